package tokenize

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// tok is an expected token: its normalized text, the span as typed, and its kind.
type tok struct {
	text, typed string
	kind        Kind
}

func w(text, typed string) tok { return tok{text, typed, Word} }
func n(text, typed string) tok { return tok{text, typed, Number} }

// refNormalize is the reference normalization, straight from golang.org/x/text with no fast path.
func refNormalize(s string) string {
	return cases.Fold().String(strings.ReplaceAll(norm.NFKC.String(s), "\u2019", "'"))
}

func TestTokenize(t *testing.T) {
	tests := []struct {
		name  string
		query string
		want  []tok
	}{
		{"empty", "", nil},
		{"only whitespace", " \t\n\u00a0\u3000\u2003 ", nil},
		{"plain words", "flower girl baske", []tok{w("flower", "flower"), w("girl", "girl"), w("baske", "baske")}},
		{"extra spacing", "  red   dress\t", []tok{w("red", "red"), w("dress", "dress")}},
		{"upper case", "Silver JEWLERY", []tok{w("silver", "Silver"), w("jewlery", "JEWLERY")}},
		{"fold sharp s", "Straße", []tok{w("strasse", "Straße")}},
		{"fold greek sigma", "ΟΔΟΣ", []tok{w("οδοσ", "ΟΔΟΣ")}},
		{"nfkc ligature", "ﬁne", []tok{w("fine", "ﬁne")}},
		{"nfkc full width", "ｄｒｅｓｓ", []tok{w("dress", "ｄｒｅｓｓ")}},
		{"nfkc full width upper", "ＤＲＥＳＳ size", []tok{w("dress", "ＤＲＥＳＳ"), w("size", "size")}},
		{"nfkc composes", "cafe\u0301 crème", []tok{w("café", "cafe\u0301"), w("crème", "crème")}},
		{"accented upper", "ÉCOLE Über", []tok{w("école", "ÉCOLE"), w("über", "Über")}},
		{"apostrophe", "women's shoes", []tok{w("women's", "women's"), w("shoes", "shoes")}},
		{"typographic apostrophe", "Women’s rock’n’roll", []tok{w("women's", "Women’s"), w("rock'n'roll", "rock’n’roll")}},
		{"quotes are not apostrophes", "'quoted' ’single’", []tok{w("quoted", "quoted"), w("single", "single")}},
		{"trailing apostrophe", "girls' dresses", []tok{w("girls", "girls"), w("dresses", "dresses")}},
		{"double apostrophe splits", "a''b", []tok{w("a", "a"), w("b", "b")}},
		{"apostrophe after digit splits", "90's", []tok{n("90", "90"), w("s", "s")}},
		{"hyphen", "t-shirt", []tok{w("t", "t"), w("shirt", "shirt")}},
		{"dashes", "long—sleeve – top", []tok{w("long", "long"), w("sleeve", "sleeve"), w("top", "top")}},
		{"punctuation", "shoes, red; (size)!", []tok{w("shoes", "shoes"), w("red", "red"), w("size", "size")}},
		{"sizes", "500ml 2024 iphone12", []tok{n("500ml", "500ml"), n("2024", "2024"), n("iphone12", "iphone12")}},
		{"sku", "SKU-12AB", []tok{w("sku", "SKU"), n("12ab", "12AB")}},
		{"decimal", "3.5mm", []tok{n("3", "3"), n("5mm", "5mm")}},
		{"full width digits", "ｉｐｈｏｎｅ１２", []tok{n("iphone12", "ｉｐｈｏｎｅ１２")}},
		{"vulgar fraction", "½ cup", []tok{n("1⁄2", "½"), w("cup", "cup")}},
		{"superscript", "m²", []tok{n("m2", "m²")}},
		{"arabic digits", "٣ كتب", []tok{n("٣", "٣"), w("كتب", "كتب")}},
		{"url https", "https://Example.com/Shoes?id=3 red", []tok{{"https://example.com/shoes?id=3", "https://Example.com/Shoes?id=3", URL}, w("red", "red")}},
		{"url trailing punct", "see http://foo.com/a.", []tok{w("see", "see"), {"http://foo.com/a", "http://foo.com/a", URL}}},
		{"url in parens", "(www.Foo.com/x), ok", []tok{{"www.foo.com/x", "www.Foo.com/x", URL}, w("ok", "ok")}},
		{"url balanced parens kept", "en.wikipedia.org/wiki/Foo_(bar)", []tok{{"en.wikipedia.org/wiki/foo_(bar)", "en.wikipedia.org/wiki/Foo_(bar)", URL}}},
		{"url www", "www.shop.example!", []tok{{"www.shop.example", "www.shop.example", URL}}},
		{"url host path", "foo.com/bar baz", []tok{{"foo.com/bar", "foo.com/bar", URL}, w("baz", "baz")}},
		{"url bare common tld", "Amazon.com", []tok{{"amazon.com", "Amazon.com", URL}}},
		{"url other scheme", "ftp://files.example.org/a", []tok{{"ftp://files.example.org/a", "ftp://files.example.org/a", URL}}},
		{"not url: bare uncommon tld", "node.js", []tok{w("node", "node"), w("js", "js")}},
		{"not url: abbreviation", "e.g. shoes", []tok{w("e", "e"), w("g", "g"), w("shoes", "shoes")}},
		{"not url: sentence end", "red shoes.", []tok{w("red", "red"), w("shoes", "shoes")}},
		{"not url: bare scheme", "http://", []tok{w("http", "http")}},
		{"email", "Bob.Smith@Example.COM", []tok{{"bob.smith@example.com", "Bob.Smith@Example.COM", Email}}},
		{"email trailing punct", "mail: bob@example.com; thanks", []tok{w("mail", "mail"), {"bob@example.com", "bob@example.com", Email}, w("thanks", "thanks")}},
		{"email quoted", "\"a+b@x.io\"?", []tok{{"a+b@x.io", "a+b@x.io", Email}}},
		{"not email: handle", "@nike shoes", []tok{w("nike", "nike"), w("shoes", "shoes")}},
		{"not email: two ats", "a@b@c.com", []tok{w("a", "a"), w("b", "b"), w("c", "c"), w("com", "com")}},
		{"not email: short tld", "a@b.c", []tok{w("a", "a"), w("b", "b"), w("c", "c")}},
		{"emoji", "😀 red😀dress 👍🏽", []tok{w("red", "red"), w("dress", "dress")}},
		{"zwj emoji", "👩‍👩‍👧 family", []tok{w("family", "family")}},
		{"cjk", "猫の服 ドレス", []tok{w("猫の服", "猫の服"), w("ドレス", "ドレス")}},
		{"half width katakana", "ﾄﾞﾚｽ", []tok{w("ドレス", "ﾄﾞﾚｽ")}},
		{"hangul", "빨간 드레스", []tok{w("빨간", "빨간"), w("드레스", "드레스")}},
		{"cyrillic", "Платье красное", []tok{w("платье", "Платье"), w("красное", "красное")}},
		{"devanagari marks", "हिन्दी", []tok{w("हिन्दी", "हिन्दी")}},
		{"control characters", "red\x00dress\x07\x1b[0m", []tok{w("red", "red"), w("dress", "dress"), n("0m", "0m")}},
		{"c1 and format characters", "a\u0085b\u200bc\u00adde", []tok{w("a", "a"), w("b", "b"), w("c", "c"), w("de", "de")}},
		{"invalid utf8", "ab\xffcd \xc3 \xe2\x80 ef\x80", []tok{w("ab", "ab"), w("cd", "cd"), w("ef", "ef")}},
		{"invalid utf8 in url", "foo.com/\xff", []tok{{"foo.com/", "foo.com/", URL}}},
		{"replacement char", "a\ufffdb", []tok{w("a", "a"), w("b", "b")}},
		{"leading mark", "\u0301ab", []tok{w("\u0301ab", "\u0301ab")}},
		{"only marks", "x \u0301\u0301", []tok{w("x", "x"), n("\u0301\u0301", "\u0301\u0301")}},
		{"roman numeral letter", "Ⅻ", []tok{w("xii", "Ⅻ")}},
		{"mixed", "Silver JEWLERY, 925 — Größe «M»", []tok{w("silver", "Silver"), w("jewlery", "JEWLERY"), n("925", "925"), w("grösse", "Größe"), w("m", "M")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Tokenize(nil, tt.query)
			if len(got) != len(tt.want) {
				t.Fatalf("Tokenize(%q) = %s, want %d tokens %v", tt.query, dump(tt.query, got), len(tt.want), tt.want)
			}
			for i, g := range got {
				wt := tt.want[i]
				if g.Start < 0 || g.End > len(tt.query) || g.Start >= g.End {
					t.Fatalf("token %d: bad span [%d:%d] in %q", i, g.Start, g.End, tt.query)
				}
				if typed := tt.query[g.Start:g.End]; typed != wt.typed {
					t.Errorf("token %d: query[%d:%d] = %q, want %q", i, g.Start, g.End, typed, wt.typed)
				}
				if g.Text != wt.text || g.Kind != wt.kind {
					t.Errorf("token %d: got (%q, %v), want (%q, %v)", i, g.Text, g.Kind, wt.text, wt.kind)
				}
				if ref := refNormalize(tt.query[g.Start:g.End]); g.Text != ref {
					t.Errorf("token %d: Text %q differs from reference normalization %q", i, g.Text, ref)
				}
			}
		})
	}
}

func dump(q string, toks []Token) string {
	var b strings.Builder
	b.WriteString("[")
	for i, t := range toks {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "{%q %q %v}", t.Text, q[t.Start:t.End], t.Kind)
	}
	b.WriteString("]")
	return b.String()
}

func TestTokenizeAppends(t *testing.T) {
	dst := []Token{{Text: "keep", Kind: Number}}
	got := Tokenize(dst, "a b")
	if len(got) != 3 || got[0].Text != "keep" || got[1].Text != "a" || got[2].Text != "b" {
		t.Fatalf("Tokenize did not append: %+v", got)
	}
}

func TestTokenizeAllocs(t *testing.T) {
	dst := make([]Token, 0, 8)
	allocs := testing.AllocsPerRun(100, func() {
		dst = Tokenize(dst[:0], "flower girl baske 500ml")
	})
	if allocs != 0 {
		t.Errorf("lower-case ASCII query: %v allocs per run, want 0", allocs)
	}
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	allocs = testing.AllocsPerRun(100, func() {
		dst = Tokenize(dst[:0], "crème brûlée 猫")
	})
	if allocs != 0 {
		t.Errorf("already normalized Unicode query: %v allocs per run, want 0", allocs)
	}
	allocs = testing.AllocsPerRun(100, func() {
		dst = Tokenize(dst[:0], "Flower Größe")
	})
	if allocs != 2 {
		t.Errorf("two tokens to normalize: %v allocs per run, want 2", allocs)
	}
}

func TestTokenizeConcurrent(t *testing.T) {
	queries := []string{"Straße ﬁne", "ｄｒｅｓｓ Größe", "ΟΔΟΣ Über", "rock’n’roll"}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var dst []Token
			for i := 0; i < 200; i++ {
				q := queries[i%len(queries)]
				dst = Tokenize(dst[:0], q)
				for _, tk := range dst {
					if ref := refNormalize(q[tk.Start:tk.End]); tk.Text != ref {
						t.Errorf("%q: got %q, want %q", q, tk.Text, ref)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"dress", "dress"},
		{"Dress", "dress"},
		{"FLOWER GIRL", "flower girl"},
		{"Straße", "strasse"},
		{"ﬁne", "fine"},
		{"ｄｒｅｓｓ", "dress"},
		{"Women’s", "women's"},
		{"cafe\u0301", "café"},
		{"ΣΊΣΥΦΟΣ", "σίσυφοσ"},
		{"İstanbul", "i\u0307stanbul"},
		{"½", "1⁄2"},
		{"㎖", "ml"},
		{"\xff", "\xff"},
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if utf8.ValidString(tt.in) {
			if ref := refNormalize(tt.in); Normalize(tt.in) != ref {
				t.Errorf("Normalize(%q) = %q, reference %q", tt.in, Normalize(tt.in), ref)
			}
		}
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{Word: "Word", Number: "Number", URL: "URL", Email: "Email", Kind(9): "Kind(9)"} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", k, got, want)
		}
	}
}

func TestCorrectable(t *testing.T) {
	tests := []struct {
		tok  Token
		want bool
	}{
		{Token{Text: "dress", Kind: Word}, true},
		{Token{Text: "ab", Kind: Word}, true},
		{Token{Text: "a", Kind: Word}, false},
		{Token{Text: "é", Kind: Word}, false}, // one rune, two bytes
		{Token{Text: "猫", Kind: Word}, false},
		{Token{Text: "猫の", Kind: Word}, true},
		{Token{Text: "", Kind: Word}, false},
		{Token{Text: "500ml", Kind: Number}, false},
		{Token{Text: "foo.com", Kind: URL}, false},
		{Token{Text: "a@b.co", Kind: Email}, false},
	}
	for _, tt := range tests {
		if got := tt.tok.Correctable(); got != tt.want {
			t.Errorf("%+v.Correctable() = %v, want %v", tt.tok, got, tt.want)
		}
	}
}

func TestRewrite(t *testing.T) {
	tests := []struct {
		name, query string
		edits       []Edit
		want        string
		wantErr     bool
	}{
		{"no edits", "flower girl", nil, "flower girl", false},
		{"one edit", "flower girl baske", []Edit{{12, 17, "basket"}}, "flower girl basket", false},
		{"keeps spacing and punctuation", "  Silver  JEWLERY, size 7!", []Edit{{10, 17, "JEWELRY"}}, "  Silver  JEWELRY, size 7!", false},
		{"several edits", "flwer gril baske", []Edit{{0, 5, "flower"}, {6, 10, "girl"}, {11, 16, "basket"}}, "flower girl basket", false},
		{"adjacent edits", "abcd", []Edit{{0, 2, "X"}, {2, 4, "Y"}}, "XY", false},
		{"insertion", "flowergirl", []Edit{{6, 6, " "}}, "flower girl", false},
		{"deletion", "red red dress", []Edit{{3, 7, ""}}, "red dress", false},
		{"whole query", "abc", []Edit{{0, 3, "xyz"}}, "xyz", false},
		{"unicode", "Größe ﬁne", []Edit{{8, 13, "fine"}}, "Größe fine", false},
		{"empty query insert", "", []Edit{{0, 0, "x"}}, "x", false},
		{"negative start", "abc", []Edit{{-1, 1, "x"}}, "", true},
		{"end before start", "abc", []Edit{{2, 1, "x"}}, "", true},
		{"end past query", "abc", []Edit{{1, 4, "x"}}, "", true},
		{"start past query", "abc", []Edit{{4, 4, "x"}}, "", true},
		{"overlapping", "abcdef", []Edit{{0, 3, "x"}, {2, 4, "y"}}, "", true},
		{"unsorted", "abcdef", []Edit{{3, 4, "x"}, {0, 1, "y"}}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Rewrite(tt.query, tt.edits)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Rewrite(%q, %v) error = %v, wantErr %v", tt.query, tt.edits, err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("Rewrite(%q, %v) = %q, want %q", tt.query, tt.edits, got, tt.want)
			}
		})
	}
}

func TestMatchCase(t *testing.T) {
	tests := []struct{ typed, repl, want string }{
		{"jewlery", "jewelry", "jewelry"},
		{"JEWLERY", "jewelry", "JEWELRY"},
		{"Jewlery", "jewelry", "Jewelry"},
		{"jEWLERY", "jewelry", "jewelry"},
		{"iPhone", "iphone", "iphone"},
		{"McDonlds", "mcdonalds", "mcdonalds"},
		{"Flowergirl", "flower girl", "Flower girl"},
		{"FLOWERGIRL", "flower girl", "FLOWER GIRL"},
		{"A", "a", "A"},      // one upper letter: title
		{"Ab", "ab", "Ab"},   // title
		{"AB", "abc", "ABC"}, // two letters, all upper
		{"I'M", "i'm", "I'M"},
		{"Womens", "women's", "Women's"},
		{"12ABC", "12abc", "12ABC"},
		{"Straße", "strasse", "Strasse"},
		{"STRASE", "strasse", "STRASSE"},
		{"ÉCOLE", "école", "ÉCOLE"},
		{"Ecole", "école", "École"},
		{"ǅemal", "ǆemal", "ǅemal"}, // title-case digraph
		{"猫", "猫の", "猫の"},
		{"", "dress", "dress"},
		{"123", "dress", "dress"},
		{"Dres", "", ""},
		{"Dres", "'tis", "'Tis"},
	}
	for _, tt := range tests {
		if got := MatchCase(tt.typed, tt.repl); got != tt.want {
			t.Errorf("MatchCase(%q, %q) = %q, want %q", tt.typed, tt.repl, got, tt.want)
		}
	}
}

// FuzzTokenize checks the invariants of Tokenize on any input.
func FuzzTokenize(f *testing.F) {
	for _, s := range []string{
		"", " ", "flower girl baske", "Straße ﬁne ｄｒｅｓｓ", "women's t-shirt 'quoted'", "500ml iphone12 ½",
		"https://Foo.com/x), bob@example.com.", "(www.a.com)", "😀 猫の服 👩‍👩‍👧", "a\x00b\xffc", "rock’n’roll",
		"e\u0301's \u0301", "ͺ ǆ İ", "a''b ''", "foo.com/\xff", "\xe2\x80", "www.", "a@b@c.com",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, query string) {
		toks := Tokenize(nil, query)
		prev := 0
		edits := make([]Edit, 0, len(toks))
		for i, tk := range toks {
			if tk.Start < prev || tk.Start < 0 || tk.Start >= tk.End || tk.End > len(query) {
				t.Fatalf("token %d span [%d:%d] out of order or range (prev end %d, len %d) in %q", i, tk.Start, tk.End, prev, len(query), query)
			}
			prev = tk.End
			if tk.Text == "" {
				t.Fatalf("token %d [%d:%d] has empty Text in %q", i, tk.Start, tk.End, query)
			}
			if tk.Kind > Email {
				t.Fatalf("token %d has bad kind %d", i, tk.Kind)
			}
			span := query[tk.Start:tk.End]
			if !utf8.ValidString(span) {
				t.Fatalf("token %d span %q is not valid UTF-8", i, span)
			}
			if got, ref := tk.Text, refNormalize(span); got != ref {
				t.Fatalf("token %d Text %q, reference normalization of %q is %q", i, got, span, ref)
			}
			if tk.Kind == Word && strings.ContainsAny(tk.Text, "0123456789 \t\n") {
				t.Fatalf("token %d Word %q has digits or spaces", i, tk.Text)
			}
			edits = append(edits, Edit{Start: tk.Start, End: tk.End, Text: span})
		}
		got, err := Rewrite(query, edits)
		if err != nil {
			t.Fatalf("Rewrite with identity edits: %v", err)
		}
		if got != query {
			t.Fatalf("Rewrite with identity edits = %q, want %q", got, query)
		}
		_ = MatchCase(query, Normalize(query))
	})
}

func BenchmarkTokenize(b *testing.B) {
	for _, bm := range []struct{ name, query string }{
		{"ascii", "flower girl baske"},
		{"ascii-upper", "Flower Girl BASKE 500ml"},
		{"unicode", "Größe ﬁne ｄｒｅｓｓ crème 猫の服 women’s 😀"},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			dst := make([]Token, 0, 16)
			for b.Loop() {
				dst = Tokenize(dst[:0], bm.query)
			}
		})
	}
}

func BenchmarkNormalize(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Normalize("Straße")
	}
}
