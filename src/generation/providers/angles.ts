/** One angle per draft, so drafts of a pack differ from each other (and pass QC's duplicate check). */
export interface Angle {
  title: string;
  /** One sentence telling a writer (or the template) what this draft does. */
  lens: string;
}

export const ANGLES: readonly Angle[] = [
  { title: 'Overview', lens: 'a short overview that says what it is, who it is for and why it matters' },
  { title: 'Step by step', lens: 'a practical step-by-step guide a newcomer can follow' },
  { title: 'Questions and answers', lens: 'the questions a reader is likely to ask, each with a direct answer' },
  { title: 'Pitfalls', lens: 'the common mistakes and how to avoid them' },
  { title: 'The case for', lens: 'a persuasive argument in favour, with the strongest reasons first' },
  { title: 'A sceptical view', lens: 'an honest look at the objections, limits and trade-offs' },
  { title: 'A short story', lens: 'a brief narrative showing a person meeting the subject for the first time' },
  { title: 'Checklist', lens: 'a checklist someone can print and tick off' },
  { title: 'Explained simply', lens: 'a plain-language explanation for someone with no background' },
  { title: 'Deep dive', lens: 'a detailed treatment for an expert reader, with the finer points' },
];

/** The angle of draft `index` (0-based). */
export function angleFor(index: number): Angle {
  return ANGLES[index % ANGLES.length];
}
