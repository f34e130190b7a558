package contract

import (
	"bufio"
	"bytes"
	"regexp"
	"strings"
)

// codeSpan matches a Markdown code span: `Type.field`.
var codeSpan = regexp.MustCompile("`([^`]+)`")

// AnnouncedBreaking returns the schema coordinates the changelog announces
// as breaking before they are released: every code span in the "### Breaking"
// subsection of the "## [Unreleased]" section, e.g. `Project.name` or
// `Query.projects(search:)`.
func AnnouncedBreaking(changelog []byte) map[string]bool {
	out := map[string]bool{}
	var inUnreleased, inBreaking bool
	sc := bufio.NewScanner(bytes.NewReader(changelog))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "## "):
			inUnreleased = strings.EqualFold(strings.TrimSpace(line[3:]), "[Unreleased]")
			inBreaking = false
			continue
		case strings.HasPrefix(line, "### "):
			inBreaking = inUnreleased && strings.EqualFold(strings.TrimSpace(line[4:]), "Breaking")
			continue
		case strings.HasPrefix(line, "# "):
			inUnreleased, inBreaking = false, false
			continue
		}
		if !inBreaking {
			continue
		}
		for _, m := range codeSpan.FindAllStringSubmatch(line, -1) {
			out[strings.TrimSpace(m[1])] = true
		}
	}
	return out
}

// Unannounced returns the changes whose element the changelog does not
// announce.
func Unannounced(changes []Change, announced map[string]bool) []Change {
	var out []Change
	for _, c := range changes {
		if !announced[c.Element] {
			out = append(out, c)
		}
	}
	return out
}
