import type { Readable } from 'node:stream';
import type { Manifest, ManifestFileEntry } from './manifest';

export interface ArtifactFile {
  /** A plain file name (`01-remote-work.md`); stored under the job's `artifacts/`. */
  name: string;
  content: string;
}

export interface ArtifactContent {
  /** Path relative to the job, as in the manifest (`artifacts/01-x.md`). */
  path: string;
  /** null when the file is missing. */
  content: Buffer | null;
}

/**
 * A job's drafts and manifest (SPEC §8). Paths are the manifest's (`artifacts/NN-x.md`,
 * `manifest.json`); an implementation refuses anything outside the job. Ids are checked by the caller
 * and again here: a non-UUID id never becomes a path.
 */
export abstract class ArtifactStore {
  /** Replaces the job's drafts with these files; returns their manifest entries (bytes, sha256). */
  abstract writeArtifacts(jobId: string, files: ArtifactFile[]): Promise<ManifestFileEntry[]>;
  /** Reads the listed files; a missing or out-of-job path reads as null. */
  abstract readArtifacts(jobId: string, paths: string[]): Promise<ArtifactContent[]>;
  abstract writeManifest(jobId: string, manifest: Manifest): Promise<void>;
  abstract readManifest(jobId: string): Promise<Manifest | undefined>;
  /** Opens a file for streaming; fails here (before a response starts) when it is missing. */
  abstract openArtifact(jobId: string, path: string): Promise<Readable>;
  /** Removes everything stored for the job (its drafts and manifest). */
  abstract deleteArtifacts(jobId: string): Promise<void>;
}
