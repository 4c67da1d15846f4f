// Cursors a client could forge: the API's cursor format (platform/pages.ts) around positions it
// never issued, or another list's position. A number is a position in a batch's tasks
// (`batch_index`), a string one in the ledger (a ledger row id).
export function encodeCursor(position: string | number): string {
  const cursor =
    typeof position === 'number'
      ? { list: 'tasks', after: { index: position } }
      : { list: 'ledger', after: { id: position } };
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}
