export {
  sendCallback,
  CallbackDeliveryError,
  CALLBACK_USER_AGENT,
  type CallbackRequest,
  type CallbackDelivery,
} from './callback-sender';
export {
  checkCallbackUrl,
  CallbackAddressError,
  type CallbackAddressRefusal,
  type CallbackUrlOptions,
  type CheckedCallbackUrl,
  type HostLookup,
} from './callback-address';
export {
  signCallback,
  verifyCallbackSignature,
  DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
} from './callback-signature';
export { isPublicAddress } from '../../domain/public-address';
