// choices.go: the options of the settings' selects. A select cannot wrap its text, so each
// option shows a short name that fits a phone's width (375 px), and the sentence that says what
// the chosen one does sits under the select.
package main

import "github.com/graftml/graft/web/wire"

// Choice is one option: its value, the short text the select shows, and the sentence shown
// under the select while it is chosen (empty for the layer select, whose one line below
// explains all its choices: LayerHint).
type Choice struct{ Value, Text, About string }

// presetNames are the head presets' short names (wire.Presets has their sentences).
var presetNames = map[string]string{"linear": "Linear", "mlp256": "One hidden layer (256)", "keras": "Keras tutorial (4 layers)"}

// HeadChoices are the head presets.
func HeadChoices() []Choice {
	var cs []Choice
	for _, p := range wire.Presets {
		text := presetNames[p.Name]
		if text == "" {
			text = p.Name
		}
		cs = append(cs, Choice{p.Name, text, p.About})
	}
	return cs
}

// OutputChoices are the head's output and loss.
var OutputChoices = []Choice{
	{"softmax", "Softmax", "Softmax with categorical cross-entropy: each photo is one of the classes."},
	{"sigmoid", "Sigmoid (2 classes)", "Sigmoid with binary cross-entropy: one output, for two classes."},
}

// ResizeChoices are how a photo becomes 224×224.
var ResizeChoices = []Choice{
	{"crop", "Centre crop", "Centre crop, antialiased: the photo's middle square, scaled smoothly."},
	{"nearest", "Whole image (Keras)", "Whole image, nearest neighbour: squeezed to a square, as Keras' image loader does."},
}

// StrategyChoices are the training strategies.
var StrategyChoices = []Choice{
	{"conservative", "Conservative", "Conservative: a new head on the frozen trunk."},
	{"dynamic", "Dynamic", "Dynamic: the new head, then the top blocks fine-tuned with it."},
}

// ChoiceAbout is the sentence of the choice with value, or "".
func ChoiceAbout(cs []Choice, value string) string {
	for _, c := range cs {
		if c.Value == value {
			return c.About
		}
	}
	return ""
}
