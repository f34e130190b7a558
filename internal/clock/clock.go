// Package clock supplies the current time to services, which set every
// timestamp explicitly rather than leaving it to database defaults.
package clock

import "time"

// Clock returns the current time.
type Clock func() time.Time

// System returns the wall clock in UTC, truncated to the microsecond
// precision both databases store, so a value round-trips unchanged.
func System() Clock {
	return func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
}
