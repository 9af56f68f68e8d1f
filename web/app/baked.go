// baked.go: the page of a build with a baked head (wire/baked.go): its title and heading are
// the head's ("Cats or dogs? — classify your photo"), the head's answer is a photo's main
// result, ImageNet's top-5 a click away; a head that cannot run here is said so, and the page
// is the ImageNet one.
package main

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/graftml/graft/web/wire"
)

// BakedOn reports whether the build's head is known and not refused (its title and classes
// make the page's heading).
func BakedOn(b *wire.Baked) bool {
	return b != nil && b.State != wire.BakedRefused && len(b.Classes) > 0
}

// Question is a head's classes as a question: "Cats or dogs?", "Cats, dogs or birds?".
func Question(classes []string) string {
	var q string
	switch n := len(classes); n {
	case 0:
		return ""
	case 1:
		q = classes[0]
	default:
		q = strings.Join(classes[:n-1], ", ") + " or " + classes[n-1]
	}
	r, size := utf8.DecodeRuneInString(q)
	return string(unicode.ToUpper(r)) + q[size:] + "?"
}

// Heading is the page's heading: the baked head's question, or Graft's.
func Heading(b *wire.Baked) string {
	if !BakedOn(b) {
		return "Graft"
	}
	return Question(b.Classes) + " — classify your photo"
}

// SubHeading is the line under the heading.
func SubHeading(b *wire.Baked) string {
	if !BakedOn(b) {
		return "ResNet50 in your browser, from Go"
	}
	if b.Title != "" {
		return b.Title + " · a Graft classifier, in your browser"
	}
	return "a Graft classifier, in your browser"
}

// Lede is the paragraph under the heading.
func Lede(b *wire.Baked) string {
	if !BakedOn(b) {
		return "Drop a photo: ImageNet’s top-5 labels, computed on this device by Keras’ ResNet50 " +
			"compiled from Go to WebAssembly. Nothing is uploaded."
	}
	s := "Drop a photo: this classifier says which of " + strings.Join(b.Classes, ", ") + " it shows"
	if b.OpenSet {
		s += " (or that it is none of them)"
	}
	return s + ", computed on this device by a head trained on Keras’ ResNet50, compiled from Go to WebAssembly. " +
		"Nothing is uploaded. ImageNet’s top-5 labels are a click away."
}

// PageTitle is the document's title.
func PageTitle(b *wire.Baked) string {
	if !BakedOn(b) {
		return "Graft — ResNet50 in your browser"
	}
	if b.Title != "" {
		return b.Title + ": " + Heading(b)
	}
	return Heading(b)
}

// BakedNote is the notice for a baked head that cannot run here; "" otherwise.
func BakedNote(b *wire.Baked) string {
	if b == nil || b.State != wire.BakedRefused {
		return ""
	}
	return b.Message
}

// HeadIsMain reports whether photo p's main result is the baked head's answer (the ImageNet
// top-5 then sits in a collapsed details element).
func HeadIsMain(b *wire.Baked, p *Photo) bool {
	return b != nil && b.State == wire.BakedActive && p != nil && p.Result != nil && p.Result.Head != nil && p.Result.Head.ID == b.ID
}

// BestLine is a main head answer's heading: its best class, or that the photo is none of them.
func BestLine(h *wire.HeadPrediction) string {
	if Unknown(h) {
		return "None of these"
	}
	if h.Best >= 0 && h.Best < len(h.Classes) {
		return h.Classes[h.Best].Name + " (" + Percent(h.Classes[h.Best].Prob) + ")"
	}
	return h.Name
}

// HeadTitle is the heading of a (not baked) active head's answer: its name, then its best
// class or that the photo is none of them: "cats / dogs: cats (97.0%)".
func HeadTitle(h *wire.HeadPrediction) string {
	name := h.Name
	if name == "" {
		var classes []string
		for _, c := range h.Classes {
			classes = append(classes, c.Name)
		}
		name = strings.Join(classes, " / ")
	}
	return name + ": " + BestLine(h)
}
