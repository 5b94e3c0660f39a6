// The PC/SC client: readers and cards through pcscd, over the Node binding `smartcard`.
export { openPcscSystem, type Disposition, type PcscConnection, type PcscReaderInfo, type PcscSystem, type ShareMode } from './binding.js';
export { listReaders, PcscCard, type PcscCardOptions } from './client.js';
