package logstoretest

import (
	"fmt"
	"strings"
	"testing"
)

// render shows tokens as kind:text, for compact expectations.
func render(src string, toks []token) string {
	var parts []string
	for _, t := range toks {
		kind := map[tokenKind]string{tokWord: "w", tokQuotedIdent: "q", tokString: "s", tokNumber: "n", tokParam: "p", tokPunct: "."}[t.kind]
		text := src[t.start:t.end]
		if t.kind == tokWord || t.kind == tokQuotedIdent {
			text = t.norm
		}
		parts = append(parts, kind+":"+text)
	}
	return strings.Join(parts, " ")
}

func TestLex(t *testing.T) {
	tests := []struct {
		src, want string
	}{
		{"SELECT * FROM t", "w:select .:* w:from w:t"},
		{"select 'UPDATE' from t", "w:select s:'UPDATE' w:from w:t"},
		{"'it''s' x", "s:'it''s' w:x"},
		{`E'a\'b' x`, `s:E'a\'b' w:x`},
		{`e'a\\' x`, `s:e'a\\' w:x`},
		{`'a\' x`, `s:'a\' w:x`}, // standard-conforming: the backslash is literal
		{`"__time__" "a""b" "MiXed"`, `q:__time__ q:a"b q:MiXed`},
		{"__TIME__ Foo", "w:__time__ w:foo"},
		{"a -- c ; d\nb", "w:a w:b"},
		{"a /* x /* nested ; */ still */ b", "w:a w:b"},
		{"$$ ; $$ $tag$ $$ ' $tag$ x", "s:$$ ; $$ s:$tag$ $$ ' $tag$ w:x"},
		{"$1 $23x", "p:$1 p:$23 w:x"},
		{"a$b $", "w:a$b .:$"},
		{"1 1.5 .5 1e10 1.5e-3 1..2", "n:1 n:1.5 n:.5 n:1e10 n:1.5e-3 n:1 .:. n:.2"},
		{"LIMIT 20, 10;", "w:limit n:20 .:, n:10 .:;"},
		{"B'101' X'ff' N'n' U&'d\\0061' U&\"d\\0061\"", `s:B'101' s:X'ff' s:N'n' s:U&'d\0061' q:d\0061`},
		{"x::text", "w:x .:: .:: w:text"},
		{"a-b/c", "w:a .:- w:b .:/ w:c"},
		{"\u00e9t\u00e9 = 1", "w:\u00e9t\u00e9 .:= n:1"},
		{"", ""},
		{"  -- only a comment", ""},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			toks, err := lex(tt.src)
			if err != nil {
				t.Fatalf("lex(%q): %v", tt.src, err)
			}
			if got := render(tt.src, toks); got != tt.want {
				t.Errorf("lex(%q)\n got %s\nwant %s", tt.src, got, tt.want)
			}
		})
	}
}

func TestLexErrors(t *testing.T) {
	tests := []struct {
		src    string
		offset int
		what   string
	}{
		{"SELECT 'abc", 7, "unterminated quoted string"},
		{`SELECT E'abc\'`, 7, "unterminated E'' string"},
		{`SELECT "abc`, 7, "unterminated quoted identifier"},
		{"SELECT /* a /* b */", 7, "unterminated /* comment"},
		{"SELECT $x$ abc $y$", 7, "unterminated dollar-quoted string $x$"},
		{"SELECT U&'abc", 7, "unterminated U&'' string"},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			_, err := lex(tt.src)
			want := fmt.Sprintf("%s starting at byte %d", tt.what, tt.offset)
			if err == nil || err.Error() != want {
				t.Errorf("lex(%q) error = %v, want %q", tt.src, err, want)
			}
		})
	}
}
