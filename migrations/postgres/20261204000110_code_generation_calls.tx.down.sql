DELETE FROM llm_calls WHERE operation = 'CODE_GENERATION';
--bun:split
ALTER TABLE llm_calls DROP CONSTRAINT llm_calls_operation_check;
--bun:split
ALTER TABLE llm_calls ADD CONSTRAINT llm_calls_operation_check CHECK (operation IN ('QUESTION', 'EXTRACTION', 'REPLY', 'CONFLICTS'));
