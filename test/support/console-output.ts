// Reading what the console platform printed: the lines of one room, and files posted there
// (printed under a `(file <name>: <title>)` header, each line labelled with the room).

/** The lines printed in `room`, without the `[room] ` label. */
export function roomLines(output: string, room: string): string[] {
  const label = `[${room}]`;
  return output
    .split("\n")
    .filter((line) => line === label || line.startsWith(`${label} `))
    .map((line) => line.slice(label.length + 1));
}

/** The content of the first file posted in `room` whose name matches. */
export function postedFile(output: string, room: string, name: string | RegExp): string {
  const lines = roomLines(output, room);
  const start = lines.findIndex(
    (line) => line.startsWith("(file ") && (typeof name === "string" ? line.includes(name) : name.test(line)),
  );
  if (start < 0) throw new Error(`no file ${name} posted in ${room}:\n${output}`);
  const body: string[] = [];
  for (const line of lines.slice(start + 1)) {
    body.push(line);
    if (line === "-----END PGP SIGNATURE-----" || line === "</svg>") break;
  }
  return body.join("\n");
}

/** Every file name posted in `room`, in order. */
export function postedFileNames(output: string, room: string): string[] {
  return roomLines(output, room)
    .filter((line) => line.startsWith("(file "))
    .map((line) => line.slice("(file ".length, line.indexOf(":")));
}
