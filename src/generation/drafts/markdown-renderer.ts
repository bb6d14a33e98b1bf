import { Injectable } from '@nestjs/common';
import MarkdownIt from 'markdown-it';

/**
 * Draft markdown → HTML for the draft page. A draft is untrusted (a model can emit anything, and the
 * brief is user input): `html: false` renders raw HTML as text, markdown-it's own link check drops
 * `javascript:`/`vbscript:`/`file:`/`data:` links, and every link opens with
 * `rel="noopener noreferrer nofollow"`. No script is produced, so the CSP stays as strict as before.
 */
@Injectable()
export class MarkdownRenderer {
  private readonly md = new MarkdownIt({ html: false, linkify: false, typographer: false });

  constructor() {
    const renderToken = this.md.renderer.renderToken.bind(this.md.renderer);
    this.md.renderer.rules.link_open = (tokens, idx, options) => {
      tokens[idx].attrSet('rel', 'noopener noreferrer nofollow');
      return renderToken(tokens, idx, options);
    };
  }

  render(markdown: string): string {
    return this.md.render(markdown);
  }
}
