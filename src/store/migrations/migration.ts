/** One schema change, written for both dialects. Ids run 1, 2, 3, … with no gaps; never edit one once released. */
export interface Migration {
  readonly id: number;
  readonly name: string;
  readonly sqlite: string;
  readonly postgres: string;
}
