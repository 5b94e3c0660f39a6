import { PortalError } from './errors.js';

/**
 * The application forms the portal offers (samples of what Mynaportal's ぴったりサービス takes online). A
 * form is data: its fields, their types and limits. The filled form becomes the `fields` member of
 * the application document the holder signs, after `fillForm` checked every value.
 */

export type FieldType = 'text' | 'date' | 'choice' | 'digits';

export interface FormField {
  readonly name: string;
  readonly label: string;
  readonly labelJa: string;
  readonly type: FieldType;
  readonly required: boolean;
  /** text: most characters (code points). digits: exact length. */
  readonly length?: number;
  /** choice: the values allowed. */
  readonly options?: readonly { readonly value: string; readonly label: string }[];
}

export interface FormDefinition {
  readonly id: string;
  readonly version: number;
  readonly title: string;
  readonly titleJa: string;
  readonly description: string;
  readonly fields: readonly FormField[];
}

export const FORMS: readonly FormDefinition[] = [
  {
    id: 'change-of-address',
    version: 1,
    title: 'Notification of change of address',
    titleJa: '転居届',
    description: 'A move within the municipality, notified within 14 days of the move (Basic Resident Registration Act, art. 23).',
    fields: [
      { name: 'newAddress', label: 'New address', labelJa: '新住所', type: 'text', required: true, length: 200 },
      { name: 'newPostcode', label: 'Postcode of the new address', labelJa: '郵便番号', type: 'digits', required: true, length: 7 },
      { name: 'moveDate', label: 'Date of the move', labelJa: '異動日', type: 'date', required: true },
      { name: 'householdHead', label: 'Head of household', labelJa: '世帯主', type: 'text', required: false, length: 100 },
    ],
  },
  {
    id: 'childcare-allowance',
    version: 1,
    title: 'Claim for child allowance',
    titleJa: '児童手当 認定請求書',
    description: 'A claim for the child allowance for a child the claimant raises (Child Allowance Act, art. 7).',
    fields: [
      { name: 'childName', label: "Child's name", labelJa: '児童の氏名', type: 'text', required: true, length: 100 },
      { name: 'childBirthDate', label: "Child's date of birth", labelJa: '児童の生年月日', type: 'date', required: true },
      {
        name: 'relationship',
        label: 'Relationship to the child',
        labelJa: '続柄',
        type: 'choice',
        required: true,
        options: [
          { value: 'parent', label: 'parent (父母)' },
          { value: 'guardian', label: 'guardian (未成年後見人)' },
          { value: 'other', label: 'other person raising the child (父母指定者)' },
        ],
      },
      { name: 'bankCode', label: 'Bank code for the payments', labelJa: '金融機関コード', type: 'digits', required: true, length: 4 },
      { name: 'accountNumber', label: 'Account number for the payments', labelJa: '口座番号', type: 'digits', required: true, length: 7 },
    ],
  },
];

export function formById(id: string): FormDefinition {
  const form = FORMS.find((f) => f.id === id);
  if (!form) throw new PortalError('ERR_PORTAL_FORM_UNKNOWN', `no form '${id.slice(0, 64)}'`);
  return form;
}

function refuse(field: string, message: string): never {
  throw new PortalError('ERR_PORTAL_FORM_FIELD', `fields.${field}: ${message}`);
}

/** C0 and C1 controls, DEL, and the line and paragraph separators: never part of a form value. */
function hasControl(text: string): boolean {
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029) return true;
  }
  return false;
}

function isDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === value && Number(m[1]) >= 1900;
}

/**
 * The values of a filled form, checked against its definition: a JSON object with only the form's
 * field names, every required one present, each value a string of its type (text: 1 to `length`
 * characters without control characters, NFC-normalised; date: a real `YYYY-MM-DD` from 1900; choice:
 * one of the options; digits: exactly `length` ASCII digits). `ERR_PORTAL_FORM_FIELD` names the field.
 */
export function fillForm(form: FormDefinition, fields: unknown): Record<string, string> {
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) throw new PortalError('ERR_PORTAL_FORM_FIELD', 'fields: must be a JSON object');
  const given = fields as Record<string, unknown>;
  for (const name of Object.keys(given)) if (!form.fields.some((f) => f.name === name)) refuse(name, `is not a field of ${form.id}`);
  const out: Record<string, string> = {};
  for (const f of form.fields) {
    const v = given[f.name];
    if (v === undefined || v === '') {
      if (f.required) refuse(f.name, 'is required');
      continue;
    }
    if (typeof v !== 'string') refuse(f.name, 'must be a string');
    switch (f.type) {
      case 'text': {
        const text = v.normalize('NFC').trim();
        if (hasControl(text)) refuse(f.name, 'contains control characters');
        const chars = [...text].length;
        if (chars === 0 || chars > (f.length ?? 200)) refuse(f.name, `must be 1 to ${f.length ?? 200} characters`);
        out[f.name] = text;
        break;
      }
      case 'date':
        if (!isDate(v)) refuse(f.name, 'must be a date YYYY-MM-DD');
        out[f.name] = v;
        break;
      case 'choice':
        if (!f.options?.some((o) => o.value === v)) refuse(f.name, `must be one of ${f.options?.map((o) => o.value).join(', ')}`);
        out[f.name] = v;
        break;
      case 'digits':
        if (!new RegExp(`^[0-9]{${f.length ?? 1}}$`).test(v)) refuse(f.name, `must be ${f.length} digits`);
        out[f.name] = v;
        break;
    }
  }
  return out;
}
