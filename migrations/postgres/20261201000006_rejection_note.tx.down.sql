ALTER TABLE specifications DROP COLUMN rejection_note;
