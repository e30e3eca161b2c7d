/** Runs transformations off the main thread, so a handler that blocks never holds up the delivery worker. */
import { parentPort } from "node:worker_threads";
import { runTransformation, type TransformationInput, type TransformationLimits } from "./transformation.ts";

export interface TransformationJob {
  id: number;
  code: string;
  input: TransformationInput;
  limits: TransformationLimits;
}

parentPort?.on("message", (job: TransformationJob) => {
  void runTransformation(job.code, job.input, job.limits).then((result) =>
    parentPort?.postMessage({ id: job.id, result }),
  );
});
