// The vsmartcard vpcd bridge: a CardPort served to pcscd's virtual reader over TCP.
export { VpcdBridge, type VpcdBridgeOptions, type VpcdEvent } from './bridge.js';
export { classify, parseVpcdAddress, VPCD_GET_ATR, VPCD_POWER_OFF, VPCD_POWER_ON, VPCD_RESET, type VpcdMessage } from './control.js';
export { encodeFrame, FrameDecoder, MAX_PAYLOAD } from './frame.js';
