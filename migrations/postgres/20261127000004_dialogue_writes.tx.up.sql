-- A bank question (a template) is asked at most once per session. The
-- unique index lets two concurrent asks race safely: the second insert
-- fails instead of re-reading the session's questions inside the
-- transaction. Questions a language model writes ("llm." templates) may
-- repeat a category.
CREATE UNIQUE INDEX questions_session_template_key ON questions (session_id, template_key)
    WHERE template_key IS NOT NULL AND template_key NOT LIKE 'llm.%';
