import { AppConfig } from '../../config/app-config';
import { ManualClock } from '../../common/clock/clock';
import { QcService } from '../qc/qc.service';
import { artifactName } from '../jobs/job-processor.service';
import { ANGLES } from './angles';
import { analyse, OfflineProvider } from './offline.provider';

describe('OfflineProvider', () => {
  const provider = new OfflineProvider();
  const brief = {
    prompt: 'Remote work for small teams. Cover tools, rituals and async habits for remote teams.',
    count: 10,
  };

  it('is labelled offline and spends no tokens', async () => {
    const result = await provider.generate({ ...brief, count: 3 });
    expect(provider.name).toBe('offline');
    expect(result.usage).toEqual({ drafts: 3, promptTokens: 0, completionTokens: 0 });
    expect(result.drafts).toHaveLength(3);
  });

  it('is deterministic: the same brief gives the same drafts', async () => {
    expect(await provider.generate(brief)).toEqual(await provider.generate({ ...brief }));
  });

  it('gives a different brief different drafts', async () => {
    const a = await provider.generate({ ...brief, count: 1 });
    const b = await provider.generate({ prompt: 'Beekeeping for beginners.', count: 1 });
    expect(a.drafts[0].markdown).not.toBe(b.drafts[0].markdown);
  });

  it('builds markdown with a title, an angle per draft, sections, the brief and a closing line', async () => {
    const { drafts } = await provider.generate(brief);
    drafts.forEach((draft, i) => {
      expect(draft.title).toBe(`Remote work for small teams: ${ANGLES[i].title}`);
      expect(draft.markdown.startsWith(`# ${draft.title}\n`)).toBe(true);
      expect(draft.markdown).toContain(`Offline draft ${i + 1} of 10`);
      expect(draft.markdown).toContain(ANGLES[i].lens);
      expect(draft.markdown).toContain('> Remote work for small teams. Cover tools');
      expect((draft.markdown.match(/^## /gm) ?? []).length).toBeGreaterThanOrEqual(3);
      expect(draft.markdown.trimEnd().split('\n').at(-1)).toMatch(/Review and edit this draft before you use it\.$/);
    });
    expect(new Set(drafts.map((d) => d.title)).size).toBe(10);
  });

  it('passes QC with the default bounds, even for a one-word or 4000-character brief', async () => {
    const qc = new QcService(
      {
        qcMinWords: 20,
        qcMaxWords: 2000,
        qcBannedTerms: ['lorem ipsum', 'as an ai language model', 'TODO'],
      } as AppConfig,
      new ManualClock(),
    );
    for (const prompt of ['Bees', 'word '.repeat(800).trim(), brief.prompt]) {
      const { drafts } = await provider.generate({ prompt, count: 10 });
      const artifacts = drafts.map((d, i) => ({
        path: `artifacts/${artifactName(i, d.title)}`,
        content: Buffer.from(d.markdown),
      }));
      const report = qc.run([], artifacts);
      expect(report.checks.filter((c) => !c.passed)).toEqual([]);
    }
  });

  it("picks the brief's most frequent meaningful words as key terms (stable ties)", () => {
    expect(analyse('Teams and remote teams; remote tools. Teams!').keywords).toEqual(['teams', 'remote', 'tools']);
    expect(analyse('a an the').keywords).toEqual(['the subject', 'the details', 'the outcome']);
  });

  it('shortens a long first sentence into the topic', () => {
    const topic = analyse(`${'very long heading words '.repeat(10)}end.`).topic;
    expect(topic.length).toBeLessThanOrEqual(71);
    expect(topic.endsWith('…')).toBe(true);
  });
});

describe('artifactName', () => {
  it('is NN-<slug>.md, ASCII, bounded, never empty', () => {
    expect(artifactName(0, 'Remote work: Overview')).toBe('01-remote-work-overview.md');
    expect(artifactName(9, 'Café ✓ déjà vu')).toBe('10-cafe-deja-vu.md');
    expect(artifactName(2, '../../etc/passwd')).toBe('03-etc-passwd.md');
    expect(artifactName(1, '!!!')).toBe('02-draft.md');
    expect(artifactName(0, 'x'.repeat(200)).length).toBeLessThanOrEqual('01-'.length + 48 + '.md'.length);
  });
});
