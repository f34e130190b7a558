-- A language model writing a code generation's files is recorded as a call of its own.
ALTER TABLE llm_calls DROP CONSTRAINT llm_calls_operation_check;
--bun:split
ALTER TABLE llm_calls ADD CONSTRAINT llm_calls_operation_check CHECK (operation IN ('QUESTION', 'EXTRACTION', 'REPLY', 'CONFLICTS', 'CODE_GENERATION'));
