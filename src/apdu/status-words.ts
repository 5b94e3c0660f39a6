import { ApduError } from './errors.js';
import { isValidSw, triesLeft } from './response.js';

/*
 * The status word table: ISO/IEC 7816-4 5.1.3, Table 5 (general meaning of SW1) and Table 6
 * (specific interindustry warning and error values), with the two non-ISO values this project meets
 * marked in their meaning. Three entries are families with SW2 as a parameter (`family: true`):
 * '61XX', '63CX' and '6CXX'; `SW` holds their base value ('6100', '63C0', '6C00').
 */
interface SwDefinition {
  readonly sw: number;
  readonly meaning: string;
  readonly family?: true;
}

const TABLE = {
  SUCCESS: { sw: 0x9000, meaning: 'Normal processing, no further qualification' },
  BYTES_REMAINING: { sw: 0x6100, family: true, meaning: 'Normal processing, SW2 encodes the number of data bytes still available' },

  WARNING_NVM_UNCHANGED: { sw: 0x6200, meaning: 'Warning, state of non-volatile memory unchanged, no information given' },
  DATA_MAY_BE_CORRUPTED: { sw: 0x6281, meaning: 'Part of returned data may be corrupted' },
  END_OF_FILE_REACHED: { sw: 0x6282, meaning: 'End of file or record reached before reading Ne bytes, or unsuccessful search' },
  SELECTED_FILE_DEACTIVATED: { sw: 0x6283, meaning: 'Selected file deactivated' },
  FCI_NOT_FORMATTED: { sw: 0x6284, meaning: 'File or data control information not formatted according to ISO/IEC 7816-4' },
  SELECTED_FILE_TERMINATED: { sw: 0x6285, meaning: 'Selected file in termination state' },
  NO_SENSOR_DATA: { sw: 0x6286, meaning: 'No input data available from a sensor on the card' },

  // GlobalPlatform EXTERNAL AUTHENTICATE answers '6300' when the host cryptogram does not verify.
  WARNING_NVM_CHANGED: { sw: 0x6300, meaning: 'Warning, state of non-volatile memory changed, no information given (GlobalPlatform: authentication failed)' },
  MORE_DATA_AVAILABLE: { sw: 0x6310, meaning: 'More data available (GlobalPlatform GET STATUS: issue the command again for the next part)' },
  FILE_FILLED_UP: { sw: 0x6381, meaning: 'File filled up by the last write' },
  CARD_KEY_NOT_SUPPORTED: { sw: 0x6382, meaning: 'Warning not defined by ISO/IEC 7816-4 (GlobalPlatform ARA-M STORE DATA: rule stored, an unknown TLV was dropped; PC/SC Part 3 LOAD KEYS: card key not supported)' },
  COUNTER: { sw: 0x63c0, family: true, meaning: 'Counter from 0 to 15 encoded by X (exact meaning depends on the command)' },

  EXECUTION_ERROR_NVM_UNCHANGED: { sw: 0x6400, meaning: 'Execution error, state of non-volatile memory unchanged, no information given' },
  IMMEDIATE_RESPONSE_REQUIRED: { sw: 0x6401, meaning: 'Immediate response required by the card' },
  EXECUTION_ERROR_NVM_CHANGED: { sw: 0x6500, meaning: 'Execution error, state of non-volatile memory changed, no information given' },
  MEMORY_FAILURE: { sw: 0x6581, meaning: 'Memory failure' },
  SECURITY_ISSUE: { sw: 0x6600, meaning: 'Execution error, security-related issue, no information given' },

  WRONG_LENGTH: { sw: 0x6700, meaning: 'Wrong length, no further indication' },
  CLA_FUNCTION_NOT_SUPPORTED: { sw: 0x6800, meaning: 'Functions in CLA not supported, no information given' },
  LOGICAL_CHANNEL_NOT_SUPPORTED: { sw: 0x6881, meaning: 'Logical channel not supported' },
  SECURE_MESSAGING_NOT_SUPPORTED: { sw: 0x6882, meaning: 'Secure messaging not supported' },
  LAST_COMMAND_OF_CHAIN_EXPECTED: { sw: 0x6883, meaning: 'Last command of the chain expected' },
  COMMAND_CHAINING_NOT_SUPPORTED: { sw: 0x6884, meaning: 'Command chaining not supported' },

  COMMAND_NOT_ALLOWED: { sw: 0x6900, meaning: 'Command not allowed, no information given' },
  INCOMPATIBLE_FILE_STRUCTURE: { sw: 0x6981, meaning: 'Command incompatible with file structure' },
  SECURITY_STATUS_NOT_SATISFIED: { sw: 0x6982, meaning: 'Security status not satisfied' },
  AUTHENTICATION_METHOD_BLOCKED: { sw: 0x6983, meaning: 'Authentication method blocked' },
  REFERENCE_DATA_NOT_USABLE: { sw: 0x6984, meaning: 'Reference data not usable' },
  CONDITIONS_NOT_SATISFIED: { sw: 0x6985, meaning: 'Conditions of use not satisfied' },
  NO_CURRENT_EF: { sw: 0x6986, meaning: 'Command not allowed (no current EF)' },
  SM_DATA_OBJECTS_MISSING: { sw: 0x6987, meaning: 'Expected secure messaging data objects missing' },
  SM_DATA_OBJECTS_INCORRECT: { sw: 0x6988, meaning: 'Incorrect secure messaging data objects' },

  WRONG_PARAMETERS: { sw: 0x6a00, meaning: 'Wrong parameters P1-P2, no information given' },
  INCORRECT_DATA: { sw: 0x6a80, meaning: 'Incorrect parameters in the command data field' },
  FUNCTION_NOT_SUPPORTED: { sw: 0x6a81, meaning: 'Function not supported' },
  FILE_NOT_FOUND: { sw: 0x6a82, meaning: 'File or application not found' },
  RECORD_NOT_FOUND: { sw: 0x6a83, meaning: 'Record not found' },
  NOT_ENOUGH_MEMORY: { sw: 0x6a84, meaning: 'Not enough memory space in the file' },
  NC_INCONSISTENT_WITH_TLV: { sw: 0x6a85, meaning: 'Nc inconsistent with TLV structure' },
  INCORRECT_P1P2: { sw: 0x6a86, meaning: 'Incorrect parameters P1-P2' },
  NC_INCONSISTENT_WITH_P1P2: { sw: 0x6a87, meaning: 'Nc inconsistent with parameters P1-P2' },
  REFERENCED_DATA_NOT_FOUND: { sw: 0x6a88, meaning: 'Referenced data or reference data not found (exact meaning depends on the command)' },
  FILE_ALREADY_EXISTS: { sw: 0x6a89, meaning: 'File already exists' },
  DF_NAME_ALREADY_EXISTS: { sw: 0x6a8a, meaning: 'DF name already exists' },

  WRONG_P1P2: { sw: 0x6b00, meaning: 'Wrong parameters P1-P2' },
  WRONG_LE: { sw: 0x6c00, family: true, meaning: 'Wrong Le field, SW2 encodes the exact number of available data bytes' },
  INS_NOT_SUPPORTED: { sw: 0x6d00, meaning: 'Instruction code not supported or invalid' },
  CLA_NOT_SUPPORTED: { sw: 0x6e00, meaning: 'Class not supported' },
  NO_PRECISE_DIAGNOSIS: { sw: 0x6f00, meaning: 'No precise diagnosis' },
} as const satisfies Record<string, SwDefinition>;

export type SwName = keyof typeof TABLE;

/** Named status words: `SW.SUCCESS === 0x9000`; families hold their base value (`SW.WRONG_LE === 0x6C00`). */
export const SW: { readonly [K in SwName]: number } = Object.freeze(
  Object.fromEntries(Object.entries(TABLE).map(([name, def]) => [name, def.sw])) as { [K in SwName]: number },
);

const EXACT = new Map<number, SwName>();
for (const [name, def] of Object.entries(TABLE) as [SwName, SwDefinition][]) if (def.family !== true) EXACT.set(def.sw, name);

export interface SwDescription {
  readonly sw: number;
  readonly name: SwName | 'UNKNOWN';
  readonly meaning: string;
}

function hex4(sw: number): string {
  return sw.toString(16).toUpperCase().padStart(4, '0');
}

// Table 5 and ISO/IEC 7816-3: what SW1 alone says about a value missing from Table 6.
function generalMeaning(sw: number): string {
  if (!isValidSw(sw)) return 'not a valid status word (SW1 must be 61..6F or 90..9F)';
  const high = sw >> 8;
  if (high >= 0x90) return 'proprietary, meaning set by the application';
  switch (high) {
    case 0x62: return 'warning, state of non-volatile memory unchanged';
    case 0x63: return 'warning, state of non-volatile memory changed';
    case 0x64: return 'execution error, state of non-volatile memory unchanged';
    case 0x65: return 'execution error, state of non-volatile memory changed';
    case 0x66: return 'execution error, security-related issue';
    case 0x68: return 'checking error, functions in CLA not supported';
    case 0x69: return 'checking error, command not allowed';
    case 0x6a: return 'checking error, wrong parameters P1-P2';
    default: return 'proprietary'; // '67XX', '6BXX', '6DXX'-'6FXX' other than XX = 00
  }
}

/**
 * Name and meaning of any 16-bit value: a table entry, a family member with its parameter spelled
 * out, or `UNKNOWN` with the hex and what SW1 alone says.
 */
export function describeSw(sw: number): SwDescription {
  if (!Number.isInteger(sw) || sw < 0 || sw > 0xffff) {
    throw new ApduError('ERR_APDU_SW_INVALID', `${String(sw)} is not a 16-bit status word`);
  }
  const name = EXACT.get(sw);
  if (name !== undefined) return { sw, name, meaning: TABLE[name].meaning };
  // SW2 = 00 counts as 256 in both length families, as the short Le '00' does (ISO/IEC 7816-3 T=0).
  const count = (sw & 0xff) || 256;
  if (sw >> 8 === 0x61) return { sw, name: 'BYTES_REMAINING', meaning: `Normal processing, ${count} data byte(s) still available (GET RESPONSE)` };
  if (sw >> 8 === 0x6c) return { sw, name: 'WRONG_LE', meaning: `Wrong Le field, exact number of available data bytes: ${count}` };
  const counter = triesLeft(sw);
  if (counter !== undefined) {
    return { sw, name: 'COUNTER', meaning: `Counter ${counter} (exact meaning depends on the command; after VERIFY, tries left)` };
  }
  return { sw, name: 'UNKNOWN', meaning: `Unknown status word ${hex4(sw)}: ${generalMeaning(sw)}` };
}
