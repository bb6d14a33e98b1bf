import { Injectable } from '@nestjs/common';
import { emptyUsage } from '../jobs/job';
import { angleFor } from './angles';
import { Draft, GenerationBrief, GenerationProvider, GenerationResult } from './generation-provider';

const STOPWORDS = new Set(
  (
    'a an and are as at be been but by can could did do does for from had has have how i if in into is it its ' +
    'just like make me more most my no not of on or our out over please should so some such than that the their ' +
    'them then there these they this those through to too up us very was we were what when where which while who ' +
    'why will with would write you your about after also any each few many much only other own same both all ' +
    'draft drafts post piece article text cover covers include explain describe discuss give want need ' +
    'something'
  ).split(' '),
);

interface BriefContext {
  topic: string;
  keywords: string[];
  quoted: string;
}

type Section = [heading: string, body: string];

/** Section templates per angle (same order as ANGLES). `{topic}`, `{k0}`..`{k2}` and `{keywords}` are filled in. */
const SECTIONS: Section[][] = [
  [
    [
      'What it is',
      '{topic} comes down to {k0}. This overview names the essentials so a reader can decide quickly whether it concerns them.',
    ],
    [
      'Who it is for',
      'Anyone who deals with {k0} or {k1} will recognise the situation; people new to {k2} get the most out of it.',
    ],
    [
      'Why it matters',
      'Getting {k0} right saves time later, and the brief makes clear that {k1} is where the value is.',
    ],
  ],
  [
    ['Before you start', 'Gather what you know about {k0} and write down what a good result looks like for {topic}.'],
    [
      'The steps',
      '1. Look at {k0} as it is today.\n2. Decide what should change about {k1}.\n3. Make one small change and check it.\n4. Repeat until {k2} is where you want it.',
    ],
    [
      'When you are done',
      'Compare the result with the goal you wrote down, and note what you would do differently next time.',
    ],
  ],
  [
    ['What is this about?', 'It is about {topic}, and mostly about {k0}.'],
    ['Where do I begin?', 'Begin with {k1}: it is the part most readers meet first and the easiest to get wrong.'],
    ['How do I know it worked?', 'When {k2} behaves the way the brief describes, without extra effort, it worked.'],
  ],
  [
    [
      'Rushing the first step',
      'Skipping the groundwork on {k0} is the mistake seen most often; it costs more later than it saves now.',
    ],
    ['Ignoring the context', 'Treating {k1} in isolation misses how it interacts with {k2}. Look at them together.'],
    ['Not checking the result', 'Decide in advance how you will tell that {topic} succeeded, then actually check.'],
  ],
  [
    ['The strongest reason', 'Done well, {k0} pays for itself: that is the heart of the case for {topic}.'],
    ['What you gain', 'Better {k1}, fewer surprises with {k2}, and a result people can rely on.'],
    ['Why now', 'Every month spent without it makes {k0} harder to fix, so the best time to start is soon.'],
  ],
  [
    [
      'The objections',
      'Sceptics will say {k0} is overrated and that {k1} is good enough as it is. Some of that is fair.',
    ],
    ['The real limits', 'It will not fix everything: {k2} still needs attention, and some costs only show up later.'],
    ['A balanced verdict', 'Worth doing when the benefits to {k0} are clear; worth postponing when they are not.'],
  ],
  [
    [
      'The first encounter',
      'Sam had heard about {topic} for weeks before trying it. The first surprise was how much hinged on {k0}.',
    ],
    [
      'The turning point',
      'Things changed the day Sam stopped fighting {k1} and started working with it, one small change at a time.',
    ],
    ['Looking back', 'A month later, {k2} was no longer a worry, and Sam was explaining it to a colleague.'],
  ],
  [
    [
      'Preparation',
      '- [ ] Write down the goal for {topic}\n- [ ] List what you know about {k0}\n- [ ] Agree who decides about {k1}',
    ],
    [
      'Doing it',
      '- [ ] Change one thing at a time\n- [ ] Check {k2} after each change\n- [ ] Keep notes of what worked',
    ],
    ['Wrapping up', '- [ ] Compare the result with the goal\n- [ ] Share what you learned\n- [ ] Plan the next review'],
  ],
  [
    ['In one sentence', '{topic} is about making {k0} work well for the people who depend on it.'],
    [
      'An everyday comparison',
      'Think of {k1} like keeping a kitchen tidy: a little care every day beats a big clean-up once a year.',
    ],
    ['What to remember', 'Start small, pay attention to {k2}, and check whether things actually improved.'],
  ],
  [
    [
      'The finer points',
      'The interplay between {k0} and {k1} is where most of the subtlety lies; small choices there compound.',
    ],
    [
      'Edge cases',
      'Watch the boundaries: unusual inputs to {k2}, partial failures, and the states nobody planned for.',
    ],
    [
      'Measuring it',
      'Pick one measure for {k0} and one for {k1}, record them before changing anything, and compare afterwards.',
    ],
  ],
];

/**
 * The no-key provider: honest templated markdown built from the brief. Deterministic (same brief,
 * same drafts), one angle per draft, no tokens spent.
 */
@Injectable()
export class OfflineProvider extends GenerationProvider {
  readonly name = 'offline';
  readonly model = 'offline-template-v1';

  generate(brief: GenerationBrief): Promise<GenerationResult> {
    const context = analyse(brief.prompt);
    const drafts: Draft[] = [];
    for (let i = 0; i < brief.count; i++) drafts.push(renderDraft(context, i, brief.count));
    return Promise.resolve({ drafts, usage: { ...emptyUsage(), drafts: drafts.length } });
  }
}

function renderDraft(context: BriefContext, index: number, count: number): Draft {
  const angle = angleFor(index);
  const title = `${context.topic}: ${angle.title}`;
  // One pass, so placeholders that happen to appear in the brief itself are left alone.
  const fill = (text: string) =>
    text.replace(/\{(topic|keywords|k\d)\}/g, (_m, key: string) => {
      if (key === 'topic') return context.topic;
      if (key === 'keywords') return context.keywords.join(', ');
      return context.keywords[Number(key.slice(1)) % context.keywords.length];
    });
  const sections = SECTIONS[index % SECTIONS.length]
    .map(([heading, body]) => `## ${fill(heading)}\n\n${fill(body)}`)
    .join('\n\n');
  const markdown = [
    `# ${title}`,
    `_Offline draft ${index + 1} of ${count}, written from a template rather than by a model. Angle: ${angle.lens}._`,
    `## The brief\n\n${context.quoted}`,
    sections,
    `---\n\nKey terms: ${context.keywords.join(', ')}. Review and edit this draft before you use it.`,
  ].join('\n\n');
  return { title, markdown: `${markdown}\n` };
}

export function analyse(prompt: string): BriefContext {
  const clean = prompt.replace(/\s+/g, ' ').trim();
  const firstSentence = (/^(.+?[.!?])(\s|$)/.exec(clean)?.[1] ?? clean).replace(/[.!?]+$/, '');
  return {
    topic: shorten(capitalise(firstSentence) || 'Untitled brief', 70),
    keywords: keywordsOf(clean),
    quoted: prompt
      .trim()
      .split(/\r?\n/)
      .map((line) => `> ${line}`.trimEnd())
      .join('\n'),
  };
}

/** The brief's most frequent meaningful words (ties broken alphabetically, so the result is stable). */
function keywordsOf(text: string): string[] {
  const counts = new Map<string, number>();
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}][\p{L}\p{N}'-]*/gu) ?? []) {
    if (word.length < 3 || STOPWORDS.has(word)) continue;
    counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  const ranked = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([w]) => w);
  const fallback = ['the subject', 'the details', 'the outcome'];
  return [...ranked.slice(0, 3), ...fallback].slice(0, 3);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function shorten(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}
