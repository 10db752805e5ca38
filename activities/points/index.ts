export { PointsLedger } from './points-ledger';
export type {
  PointsLedgerOptions,
  RechargeRequest,
  RechargeResult,
  ReserveRequest,
  ReserveResult,
  SettleOutcome,
  SettleRequest,
  SettleResult,
} from './points-ledger';
export { LedgerError } from './ledger-errors';
export { CONSUME_SOURCE_TYPES, RECHARGE_SOURCE_TYPES } from './ledger-input';
export type { ConsumeSourceType, RechargeSourceType } from './ledger-input';
export { DEFAULT_PRICING, parsePricing, priceImage, priceVideo } from '../../domain/pricing';
export type { ImagePriceInput, PricingTable, VideoPriceInput } from '../../domain/pricing';
