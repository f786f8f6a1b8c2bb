// CVSS base scores recomputed from their vectors with a maintained implementation of FIRST's
// specifications (ae-cvss-calculator: CVSS 2.0, 3.0, 3.1 and 4.0). A publisher's stated score
// can contradict its own vector (a typo, a tool bug, a 9.9 where the vector gives 6.1); the
// vector is the precise statement, so the digest shows the computed score and flags the stated
// one.
import { createRequire } from "node:module";

type Calculator = typeof import("ae-cvss-calculator");
let calculator: Calculator | undefined;
/**
 * Loaded on first use (a CommonJS package, so synchronously): only bulletin documents with CVSS
 * vectors need it, and loading it at start cost about 85 ms of CPU on every start.
 */
function loadCalculator(): Calculator {
  calculator ??= createRequire(import.meta.url)("ae-cvss-calculator") as Calculator;
  return calculator;
}

/** The base metrics a vector must set for its base score to mean anything, per version. */
const BASE_METRICS: Record<string, readonly string[]> = {
  "2.0": ["AV", "AC", "Au", "C", "I", "A"],
  "3.0": ["AV", "AC", "PR", "UI", "S", "C", "I", "A"],
  "3.1": ["AV", "AC", "PR", "UI", "S", "C", "I", "A"],
  "4.0": ["AV", "AC", "AT", "PR", "UI", "VC", "VI", "VA", "SC", "SI", "SA"],
};

export interface ComputedCvss {
  /** "2.0", "3.0", "3.1" or "4.0", from the vector. */
  version: string;
  baseScore: number;
}

/** The base score a vector gives, or undefined when it is not a complete CVSS vector. */
export function baseScoreFromVector(vector: string): ComputedCvss | undefined {
  let parsed: { getVectorName(): string; calculateScores(): { base?: number } } | undefined;
  try {
    parsed = loadCalculator().fromVector(vector.trim());
  } catch {
    return undefined;
  }
  if (!parsed) return undefined;
  const version = parsed.getVectorName().replace(/^CVSS:/, "");
  const required = BASE_METRICS[version];
  if (!required) return undefined;
  const metrics = new Set(
    vector
      .trim()
      .split("/")
      .map((part) => part.split(":")[0]),
  );
  if (!required.every((metric) => metrics.has(metric))) return undefined;
  const base = parsed.calculateScores().base;
  return typeof base === "number" && Number.isFinite(base) ? { version, baseScore: base } : undefined;
}

/** Scores are given to one decimal; anything closer than that is the same score. */
export function sameScore(a: number, b: number): boolean {
  return Math.abs(a - b) < 0.05;
}
