/** The worker's workflow bundle entry: every workflow type the task queue serves is exported from here. */
export {
  cleanupWorkflow,
  pointsExpiryWorkflow,
  quotaRefreshWorkflow,
  recordsPruneWorkflow,
} from './maintenance';
export { imageGeneration, videoGeneration } from './generation';
export { accountCheckWorkflow } from './account-check';
export { pointsRechargeWorkflow } from './points';
