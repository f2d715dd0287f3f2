export { PromptTokenizer, type TokenIds } from "./prompt-tokenizer.js";
