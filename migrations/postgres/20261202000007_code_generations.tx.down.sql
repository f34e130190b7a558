DROP TABLE generated_files;
--bun:split
DROP TABLE code_generations;
