/**
 * Live detection is a stage of the derived-data pipeline (src/pipeline/derived-pipeline.ts): the
 * same worker per device writes sessions and events from one read. The old name stays for the
 * callers and tests that only care about events.
 */
export { DerivedPipeline as DetectionService, type DerivedPipelineOptions as DetectionServiceOptions } from '../pipeline/derived-pipeline.ts';
