import { TINY_BUNDLE } from "../../test/helpers.js";
import { pipelineContract } from "../../test/pipeline-contract.js";

pipelineContract("the tiny fixture bundle", () => TINY_BUNDLE);
