package models

import "github.com/uptrace/bun"

// RateLimit counts the attempts of one key (a limit's name and who made
// them) in the fixed window that started at WindowStartMs (Unix
// milliseconds).
type RateLimit struct {
	bun.BaseModel `bun:"table:rate_limits,alias:rl"`

	Key           string `bun:"key,pk"`
	WindowStartMs int64  `bun:"window_start_ms,notnull"`
	Hits          int    `bun:"hits,notnull"`
}
