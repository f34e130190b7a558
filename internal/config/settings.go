package config

import (
	"flag"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Synopsis is the command line of socrates, printed at the top of -h.
const Synopsis = `Usage:
  socrates [serve] [flags]                 serve the API (the default command); applies pending migrations first
  socrates migrate up|down|status [flags]  apply pending migrations, roll back the last applied group, or list them
  socrates version                         print the version (also: socrates --version)
  socrates healthcheck                     exit 0 when the server on PORT answers /healthz (for container health checks)
  socrates help                            print this help (also: socrates -h)

Every flag can also be set by the environment variable named beside it; a
flag given on the command line wins. Secrets are never printed: -h says only
whether their variable is set.
`

// shown says how -h prints the value the environment gives a setting.
type shown int

const (
	// shownAsIs prints the value.
	shownAsIs shown = iota
	// shownAsURL prints the URL without its password and query.
	shownAsURL
	// shownAsSecret prints only "(set)".
	shownAsSecret
)

// setting is one flag and the environment variable beside it.
type setting struct {
	flag, env, kind, usage string
	// def is the default as -h prints it.
	def   string
	shown shown
}

// settings defines the flags of a flag set, each starting from its
// environment variable, and remembers them for -h.
type settings struct {
	fs     *flag.FlagSet
	getenv func(string) string
	list   []setting
	errs   []error
	// nonNegative are the integer settings checked after parsing.
	nonNegative []func() error
}

// env returns the trimmed value of an environment variable.
func (s *settings) env(key string) string { return strings.TrimSpace(s.getenv(key)) }

func (s *settings) add(name, env, kind, usage, def string, how shown) {
	s.list = append(s.list, setting{flag: name, env: env, kind: kind, usage: usage, def: def, shown: how})
}

// int defines an integer setting that may not be negative.
func (s *settings) int(dst *int, name, env string, def int, usage string) {
	*dst = def
	if v := s.env(env); v != "" {
		if n, err := strconv.Atoi(v); err != nil || n < 0 {
			s.errs = append(s.errs, fmt.Errorf("%s must be a non-negative integer, got %q", env, v))
		} else {
			*dst = n
		}
	}
	s.fs.IntVar(dst, name, *dst, usage)
	s.nonNegative = append(s.nonNegative, func() error {
		if *dst < 0 {
			return fmt.Errorf("-%s must be a non-negative integer, got %d", name, *dst)
		}
		return nil
	})
	s.add(name, env, "int", usage, strconv.Itoa(def), shownAsIs)
}

// int64 defines a 64-bit integer setting that may not be negative.
func (s *settings) int64(dst *int64, name, env string, def int64, usage string) {
	*dst = def
	if v := s.env(env); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err != nil || n < 0 {
			s.errs = append(s.errs, fmt.Errorf("%s must be a non-negative integer, got %q", env, v))
		} else {
			*dst = n
		}
	}
	s.fs.Int64Var(dst, name, *dst, usage)
	s.nonNegative = append(s.nonNegative, func() error {
		if *dst < 0 {
			return fmt.Errorf("-%s must be a non-negative integer, got %d", name, *dst)
		}
		return nil
	})
	s.add(name, env, "int", usage, strconv.FormatInt(def, 10), shownAsIs)
}

// duration defines a duration setting (such as 30s) that may not be
// negative.
func (s *settings) duration(dst *time.Duration, name, env string, def time.Duration, usage string) {
	*dst = def
	if v := s.env(env); v != "" {
		if d, err := time.ParseDuration(v); err != nil || d < 0 {
			s.errs = append(s.errs, fmt.Errorf("%s must be a duration like 30s, got %q", env, v))
		} else {
			*dst = d
		}
	}
	s.fs.DurationVar(dst, name, *dst, usage)
	s.nonNegative = append(s.nonNegative, func() error {
		if *dst < 0 {
			return fmt.Errorf("-%s must not be negative, got %s", name, *dst)
		}
		return nil
	})
	s.add(name, env, "duration", usage, def.String(), shownAsIs)
}

// bool defines a boolean setting.
func (s *settings) bool(dst *bool, name, env string, def bool, usage string) {
	*dst = def
	if v := s.env(env); v != "" {
		if b, err := strconv.ParseBool(v); err != nil {
			s.errs = append(s.errs, fmt.Errorf("%s must be true or false, got %q", env, v))
		} else {
			*dst = b
		}
	}
	s.fs.BoolVar(dst, name, *dst, usage)
	s.add(name, env, "bool", usage, strconv.FormatBool(def), shownAsIs)
}

// string defines a string setting; def is its default value, defText the
// default as -h describes it when that is not simply def.
func (s *settings) string(dst *string, name, env, def, defText, usage string, how shown) {
	*dst = def
	if v := s.env(env); v != "" {
		*dst = v
	}
	s.fs.StringVar(dst, name, *dst, usage)
	if defText == "" {
		defText = def
	}
	s.add(name, env, "string", usage, defText, how)
}

// optionalBool defines a boolean setting whose default depends on other
// settings (the mode); defText describes that default.
func (s *settings) optionalBool(name, env, defText, usage string) *optional {
	o := &optional{}
	if v := s.env(env); v != "" {
		if err := o.Set(v); err != nil {
			s.errs = append(s.errs, fmt.Errorf("%s must be true or false, got %q", env, v))
		}
	}
	s.fs.Var(o, name, usage)
	s.add(name, env, "bool", usage, defText, shownAsIs)
	return o
}

// checkNonNegative returns an error per numeric flag set below zero.
func (s *settings) checkNonNegative() []error {
	var errs []error
	for _, check := range s.nonNegative {
		if err := check(); err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// help writes the synopsis and every flag: its type, what it does, the
// environment variable that sets it (with the value it holds, a secret's
// shown only as "(set)") and its default.
func (s *settings) help(w io.Writer) error {
	var b strings.Builder
	b.WriteString(Synopsis)
	b.WriteString("\nFlags:\n")
	for _, st := range s.list {
		fmt.Fprintf(&b, "  -%s %s\n        %s\n        env %s", st.flag, st.kind, st.usage, st.env)
		if v := s.env(st.env); v != "" {
			switch st.shown {
			case shownAsSecret:
				b.WriteString(" (set)")
			case shownAsURL:
				b.WriteString("=" + redactURL(v))
			default:
				b.WriteString("=" + v)
			}
		}
		if st.def != "" {
			b.WriteString("; default " + st.def)
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// redactURL returns u without its password and query, or "(set)" when it
// does not parse as a URL.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return "(set)"
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	if u.RawQuery != "" {
		u.RawQuery = "…"
	}
	u.Fragment = ""
	return u.String()
}

// optional is a boolean flag that remembers whether it was set.
type optional struct {
	value, set bool
}

// String implements flag.Value.
func (o *optional) String() string {
	if o == nil || !o.set {
		return ""
	}
	return strconv.FormatBool(o.value)
}

// Set implements flag.Value.
func (o *optional) Set(v string) error {
	b, err := strconv.ParseBool(v)
	if err != nil {
		return fmt.Errorf("want true or false: %w", err)
	}
	o.value, o.set = b, true
	return nil
}

// IsBoolFlag lets the flag be given without a value (-ide means -ide=true).
func (o *optional) IsBoolFlag() bool { return true }

// or returns the value when it was set, def otherwise.
func (o *optional) or(def bool) bool {
	if o.set {
		return o.value
	}
	return def
}
