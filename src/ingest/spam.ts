import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The referrer-spam blocklist (Matomo's list, shipped in assets/spam/spammers.txt). */
export class SpamList {
  private readonly hosts: Set<string>;

  constructor(lines: Iterable<string>) {
    this.hosts = new Set();
    for (const l of lines) {
      const h = l.trim().toLowerCase();
      if (h && !h.startsWith('#')) this.hosts.add(h.startsWith('www.') ? h.slice(4) : h);
    }
  }

  static load(file = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../../assets/spam/spammers.txt')): SpamList {
    return new SpamList(fs.readFileSync(file, 'utf8').split('\n'));
  }

  get size(): number {
    return this.hosts.size;
  }

  /** True for a listed host or any subdomain of one (`www.semalt.com`, `x.semalt.com`). */
  isSpam(host: string): boolean {
    let h = host.toLowerCase();
    if (h.startsWith('www.')) h = h.slice(4);
    for (;;) {
      if (this.hosts.has(h)) return true;
      const dot = h.indexOf('.');
      if (dot < 0) return false;
      h = h.slice(dot + 1);
    }
  }
}
