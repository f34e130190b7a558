-- Why a specification was rejected by hand (rejectSpecification), kept
-- after a restore as history.
ALTER TABLE specifications ADD COLUMN rejection_note TEXT CHECK (length(rejection_note) <= 2000);
