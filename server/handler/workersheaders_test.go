// The `_headers` file must give every asset the headers the native handler sends. The test applies
// the file the way Cloudflare does (see workersheaders.go) and compares, file by file.
package handler

import (
	"fmt"
	"strings"
	"testing"

	"github.com/graftml/graft/server/internal/testdist"
)

type headerRule struct {
	pattern string
	ops     []string // "! Name" detaches, "Name: value" sets
}

func parseHeadersFile(t *testing.T, text string) []headerRule {
	t.Helper()
	var rules []headerRule
	for i, line := range strings.Split(text, "\n") {
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "  "):
			if len(rules) == 0 {
				t.Fatalf("line %d: header before any pattern", i+1)
			}
			rules[len(rules)-1].ops = append(rules[len(rules)-1].ops, strings.TrimSpace(line))
		case strings.HasPrefix(line, "/"):
			rules = append(rules, headerRule{pattern: line})
		default:
			t.Fatalf("line %d: %q is neither a pattern nor an indented header", i+1, line)
		}
		if len(line) > 2000 {
			t.Errorf("line %d is over Cloudflare's 2000 characters", i+1)
		}
	}
	return rules
}

// applyHeaders returns the headers the rules give urlPath: all matching rules in order (a "*"
// matches any run of characters), values of a repeated header joined with ", ", "! Name"
// removing what earlier rules set.
func applyHeaders(rules []headerRule, urlPath string) map[string]string {
	got := map[string]string{}
	for _, r := range rules {
		prefix, suffix, splat := strings.Cut(r.pattern, "*")
		matches := r.pattern == urlPath ||
			splat && len(urlPath) >= len(prefix)+len(suffix) && strings.HasPrefix(urlPath, prefix) && strings.HasSuffix(urlPath, suffix)
		if !matches {
			continue
		}
		for _, op := range r.ops {
			if name, ok := strings.CutPrefix(op, "! "); ok {
				delete(got, strings.ToLower(name))
				continue
			}
			name, value, _ := strings.Cut(op, ": ")
			key := strings.ToLower(name)
			if prev, ok := got[key]; ok {
				value = prev + ", " + value
			}
			got[key] = value
		}
	}
	return got
}

func checkHeadersFileAgreesWithHandler(t *testing.T, names []string) []headerRule {
	t.Helper()
	text, err := WorkersHeadersFile(names)
	if err != nil {
		t.Fatal(err)
	}
	rules := parseHeadersFile(t, string(text))
	for _, n := range names {
		got := applyHeaders(rules, "/"+escapePath(n))
		if want := CacheControlFor(n); got["cache-control"] != want {
			t.Errorf("%s: _headers gives Cache-Control %q, the handler %q", n, got["cache-control"], want)
		}
		for _, h := range SecurityHeaders {
			if got[strings.ToLower(h.Name)] != h.Value {
				t.Errorf("%s: _headers gives %s %q, want %q", n, h.Name, got[strings.ToLower(h.Name)], h.Value)
			}
		}
	}
	return rules
}

func TestWorkersHeadersFileFixture(t *testing.T) {
	tree := testdist.New(testdist.Options{})
	rules := checkHeadersFileAgreesWithHandler(t, tree.Names())
	// Every .bin and .wasm file is hashed: one rule each, not one per chunk.
	if got, want := patternsOf(rules), "/* /*.bin /*.wasm"; got != want {
		t.Errorf("patterns %q, want %q", got, want)
	}
}

func patternsOf(rules []headerRule) string {
	var p []string
	for _, r := range rules {
		p = append(p, r.pattern)
	}
	return strings.Join(p, " ")
}

func TestWorkersHeadersFileGrouping(t *testing.T) {
	h1 := strings.Repeat("a1", 8)
	h2 := strings.Repeat("b2", 32)
	names := []string{
		"index.html",
		"js/app." + h1 + ".js", "js/loader.js", // a hashed and a plain .js in one folder: exact
		"w/" + h2 + ".bin", "w/deep/" + h1 + ".bin", "w/deep/x/" + h2, // a folder all hashed: "/w/*"
		"m/" + h1 + ".bin", "m/plain.bin", // a plain .bin: exact
		"model/" + h1 + ".dat", "model/" + h2 + ".dat", "model/manifest.json", // every .dat hashed: "/*.dat"
		"a b/" + h1 + ".css", "a b/x.css", // escaped
	}
	rules := checkHeadersFileAgreesWithHandler(t, names)
	want := "/* /*.dat /a%20b/" + h1 + ".css /js/app." + h1 + ".js /m/" + h1 + ".bin /w/*"
	if got := patternsOf(rules); got != want {
		t.Errorf("patterns\n%s\nwant\n%s", got, want)
	}
}

func TestWorkersHeadersFileTooManyRules(t *testing.T) {
	var names []string
	for i := range maxWorkersHeaderRules {
		names = append(names, fmt.Sprintf("f%d.%016x.js", i, i), fmt.Sprintf("f%d.js", i))
	}
	if _, err := WorkersHeadersFile(names); err == nil {
		t.Errorf("%d single-file rules: no error", maxWorkersHeaderRules)
	}
	if _, err := WorkersHeadersFile(names[:2*(maxWorkersHeaderRules-1)]); err != nil {
		t.Errorf("%d rules: %v", maxWorkersHeaderRules, err)
	}
}
