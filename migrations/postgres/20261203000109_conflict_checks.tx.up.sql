-- A language model's conflict check is recorded as a call of its own.
ALTER TABLE llm_calls DROP CONSTRAINT llm_calls_operation_check;
--bun:split
ALTER TABLE llm_calls ADD CONSTRAINT llm_calls_operation_check CHECK (operation IN ('QUESTION', 'EXTRACTION', 'REPLY', 'CONFLICTS'));
