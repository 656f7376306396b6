package csaf

import "strings"

// Rating places a severity on one scale, whatever words the publisher uses.
type Rating string

// The ratings, from CVSS v3's qualitative scale; RatingUnknown means the
// document neither states a severity Changeboard recognises nor gives a score.
const (
	RatingUnknown  Rating = ""
	RatingNone     Rating = "none"
	RatingLow      Rating = "low"
	RatingMedium   Rating = "medium"
	RatingHigh     Rating = "high"
	RatingCritical Rating = "critical"
)

// ratingOrder ranks ratings so that the highest can be picked.
var ratingOrder = map[Rating]int{RatingUnknown: 0, RatingNone: 1, RatingLow: 2, RatingMedium: 3, RatingHigh: 4, RatingCritical: 5}

// RatingOfScore returns the CVSS v3 qualitative rating of a base score.
func RatingOfScore(score float64) Rating {
	switch {
	case score >= 9:
		return RatingCritical
	case score >= 7:
		return RatingHigh
	case score >= 4:
		return RatingMedium
	case score > 0:
		return RatingLow
	}
	return RatingNone
}

// ParseRating maps a publisher's severity word to a Rating. Red Hat's and
// Microsoft's "Important" and SUSE's/BSI's "Moderate" are the usual aliases.
func ParseRating(text string) Rating {
	switch strings.ToLower(strings.TrimSpace(text)) {
	case "critical":
		return RatingCritical
	case "high", "important":
		return RatingHigh
	case "medium", "moderate":
		return RatingMedium
	case "low":
		return RatingLow
	case "none", "informational":
		return RatingNone
	}
	return RatingUnknown
}

// Less reports whether r ranks below o.
func (r Rating) Less(o Rating) bool { return ratingOrder[r] < ratingOrder[o] }

// String returns the rating as a display word ("High"), or "" when unknown.
func (r Rating) String() string {
	if r == RatingUnknown {
		return ""
	}
	return strings.ToUpper(string(r[:1])) + string(r[1:])
}

// severityOf picks the advisory's severity: the publisher's own word when it
// gives one, otherwise the rating of the highest CVSS base score.
func severityOf(aggregate string, vulns []Vulnerability) (string, Rating) {
	maxRating := RatingUnknown
	for i := range vulns {
		if s, ok := vulns[i].MaxCVSS(); ok {
			if r := RatingOfScore(s.BaseScore); maxRating.Less(r) {
				maxRating = r
			}
		}
	}
	if text := strings.TrimSpace(aggregate); text != "" {
		if r := ParseRating(text); r != RatingUnknown {
			return text, r
		}
		return text, maxRating
	}
	return maxRating.String(), maxRating
}
