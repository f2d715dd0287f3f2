import { describe, expect, it } from "vitest";
import { ReplayMemory } from "./replay-memory.js";

describe("ReplayMemory", () => {
  it("refuses a signature seen before inside the window", () => {
    const memory = new ReplayMemory({ windowSeconds: 60 });
    expect(memory.remember("a", 1000, 1000)).toBe("remembered");
    expect(memory.remember("a", 1000, 1030)).toBe("replayed");
    expect(memory.remember("b", 1000, 1030)).toBe("remembered");
  });

  it("forgets signatures once their timestamp has left the window, so memory stays bounded", () => {
    const memory = new ReplayMemory({ windowSeconds: 60 });
    memory.remember("a", 1000, 1000);
    memory.remember("b", 1050, 1050);
    memory.remember("c", 1100, 1100);
    expect(memory.size).toBe(2);
  });

  it("keeps a signature whose timestamp runs ahead of the clock until that timestamp has aged out", () => {
    const memory = new ReplayMemory({ windowSeconds: 60 });
    memory.remember("ahead", 1050, 1000);
    expect(memory.remember("ahead", 1050, 1100)).toBe("replayed");
  });

  it("refuses new signatures when full of live ones rather than dropping any", () => {
    const memory = new ReplayMemory({ windowSeconds: 60, capacity: 2 });
    memory.remember("a", 1000, 1000);
    memory.remember("b", 1000, 1000);
    expect(memory.remember("c", 1000, 1000)).toBe("full");
    expect(memory.remember("c", 1100, 1100)).toBe("remembered");
  });
});
