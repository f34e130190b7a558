package models

// Tables lists every table model, for checks that the models and the
// migrated schema agree.
func Tables() []any {
	return []any{
		(*User)(nil), (*RefreshToken)(nil), (*Project)(nil), (*Session)(nil),
		(*Question)(nil), (*Message)(nil), (*Specification)(nil), (*Conflict)(nil),
		(*ConflictSpecification)(nil), (*LLMCredential)(nil), (*LLMCall)(nil), (*QuestionStat)(nil),
		(*Team)(nil), (*TeamMember)(nil), (*ProjectShare)(nil), (*APIToken)(nil), (*Activity)(nil),
		(*RateLimit)(nil), (*CodeGeneration)(nil), (*GeneratedFile)(nil), (*Document)(nil),
	}
}
