import { extensionOf } from './persist';

/** A video's name inside a batch's ZIP: its 0-based index, zero-padded (`00007.mp4`). */
export const zipEntryName = (batchIndex: number, contentType: string) =>
  `${String(batchIndex).padStart(5, '0')}${extensionOf(contentType)}`;
