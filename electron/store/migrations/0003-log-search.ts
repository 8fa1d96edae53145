// Full-text search over captured content (the log viewer's `q`). One FTS5 document per log row holds
// the text that row added to its conversation: the messages it sent that no earlier row of the same
// session had indexed, and the response. Contentless (the text already lives in content_blobs), with
// contentless_delete so retention can remove a row's document; a trigger does that for every deleted
// log row, whoever deletes it.
export default /* sql */ `
CREATE VIRTUAL TABLE request_search USING fts5(
  body,
  content = '',
  contentless_delete = 1,
  tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER request_logs_forget_search AFTER DELETE ON request_logs BEGIN
  DELETE FROM request_search WHERE rowid = old.id;
END;
`;
