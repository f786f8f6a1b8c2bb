// Registers the Pigeon platform with tocsin: the one line a new platform adds outside its folder
// is this registration (here, by the test that uses it).
import { registerPlatform } from "../../../src/chat/platforms.ts";
import { pigeonDescriptor } from "./descriptor.ts";
import { PigeonPlatform } from "./pigeon-platform.ts";

registerPlatform(pigeonDescriptor);

export { PigeonPlatform, pigeonDescriptor };
