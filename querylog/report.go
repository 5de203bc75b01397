package querylog

import (
	"errors"
	"fmt"
	"sort"
	"time"
)

// Column names of the log schema.
const (
	ColSessionID = "session_id"
	ColTS        = "ts"
	ColQuery     = "query"
	ColResults   = "results"
	ColClicks    = "clicks"
	// Optional columns of the speller's answer shown on the page and the shopper's answer to it.
	ColSpellCorrection = "spell_correction"
	ColSpellAction     = "spell_action"
	ColSpellFeedback   = "spell_feedback"
)

// SpellAction is how the page showed the speller's correction (column spell_action).
type SpellAction uint8

// Values of SpellAction; in the column, "did_you_mean" and "auto_correct" (null, empty, "none" or any other
// value: ActionNone).
const (
	ActionNone        SpellAction = iota
	ActionDidYouMean              // "Did you mean X?" above the results of the query as typed
	ActionAutoCorrect             // results of X, with "Search instead for Y"
)

// SpellFeedback is what the shopper did with the correction shown (column spell_feedback).
type SpellFeedback uint8

// Values of SpellFeedback; in the column, "accepted" and "rejected" (null, empty or any other value:
// FeedbackNone, the shopper took neither link).
const (
	FeedbackNone     SpellFeedback = iota
	FeedbackAccepted               // clicked "Did you mean X?"
	FeedbackRejected               // clicked "Search instead for Y" under an automatic correction
)

var actionNames = [...]string{"", "did_you_mean", "auto_correct"}
var feedbackNames = [...]string{"", "accepted", "rejected"}

// String returns the column value of a ("" for ActionNone).
func (a SpellAction) String() string {
	if int(a) < len(actionNames) {
		return actionNames[a]
	}
	return ""
}

// String returns the column value of f ("" for FeedbackNone).
func (f SpellFeedback) String() string {
	if int(f) < len(feedbackNames) {
		return feedbackNames[f]
	}
	return ""
}

func parseAction(b []byte) SpellAction {
	switch string(b) {
	case "did_you_mean":
		return ActionDidYouMean
	case "auto_correct":
		return ActionAutoCorrect
	}
	return ActionNone
}

func parseFeedback(b []byte) SpellFeedback {
	switch string(b) {
	case "accepted":
		return FeedbackAccepted
	case "rejected":
		return FeedbackRejected
	}
	return FeedbackNone
}

// Row is one search of the log.
//
// Columns: session_id (string, required) → SessionID; ts (timestamp of any unit, or int64
// Unix milliseconds, required) → TS in Unix milliseconds; query (string, required, as
// typed) → Query; results (nullable int64) → Results/HasResults; clicks (nullable int64)
// → Clicks/HasClicks; the optional spell_correction, spell_action and spell_feedback → SpellCorrection,
// SpellAction, SpellFeedback (zero values when absent or null).
type Row struct {
	SessionID  string
	TS         int64 // Unix milliseconds
	Query      string
	Results    int64 // valid when HasResults
	HasResults bool
	Clicks     int64 // valid when HasClicks
	HasClicks  bool
	// SpellCorrection is the correction the page showed ("" when none), SpellAction how it showed it, and
	// SpellFeedback what the shopper did with it.
	SpellCorrection string
	SpellAction     SpellAction
	SpellFeedback   SpellFeedback
}

// Time returns TS as a UTC time.Time.
func (r Row) Time() time.Time { return time.UnixMilli(r.TS).UTC() }

// Reasons a row (or a row group) is skipped by [Read]; they are the keys of
// [Report.Skipped].
const (
	SkipNullSession        = "null_session"         // session_id null or empty
	SkipEmptyQuery         = "empty_query"          // query null, empty or only white space
	SkipInvalidUTF8        = "invalid_utf8"         // query is not valid UTF-8
	SkipOversize           = "oversize_query"       // query longer than ReadOptions.MaxQueryBytes
	SkipBadTimestamp       = "bad_timestamp"        // ts null or outside [2000-01-01, 2100-01-01)
	SkipUnreadableRowGroup = "unreadable_row_group" // counts row groups, not rows
)

// Timestamps outside [MinTS, MaxTS) (Unix milliseconds) are invalid.
const (
	MinTS int64 = 946684800000  // 2000-01-01T00:00:00Z
	MaxTS int64 = 4102444800000 // 2100-01-01T00:00:00Z
)

// DefaultMaxErrors is how many messages a Report keeps in Errors when
// ReadOptions.MaxErrors is zero.
const DefaultMaxErrors = 100

// Report says what [Read] did. A Report is not safe for concurrent use; Read keeps one
// per worker and merges them with [Report.Merge] at the end.
type Report struct {
	Files       int64            `json:"files"`        // files whose footer and schema were read
	FilesFailed int64            `json:"files_failed"` // files that could not be opened or whose footer is unreadable
	RowGroups   int64            `json:"row_groups"`   // row groups read to the end
	RowsRead    int64            `json:"rows_read"`    // rows decoded, kept or skipped
	RowsKept    int64            `json:"rows_kept"`    // rows passed to the callback
	RowsUnread  int64            `json:"rows_unread"`  // rows of unreadable row groups not decoded, as their footer counts them
	Skipped     map[string]int64 `json:"skipped"`      // reason (Skip* constants) -> rows (row groups for SkipUnreadableRowGroup)
	Errors      []string         `json:"errors"`       // file-level and row-group-level errors, capped
	// ErrorsDropped counts the messages not kept in Errors because of the cap.
	ErrorsDropped int64 `json:"errors_dropped,omitempty"`

	maxErrors int
}

// NewReport returns an empty report that keeps at most maxErrors messages
// (DefaultMaxErrors when maxErrors <= 0).
func NewReport(maxErrors int) *Report {
	if maxErrors <= 0 {
		maxErrors = DefaultMaxErrors
	}
	return &Report{Skipped: map[string]int64{}, maxErrors: maxErrors}
}

// Skip adds n to the count of reason.
func (r *Report) Skip(reason string, n int64) {
	if n == 0 {
		return
	}
	if r.Skipped == nil {
		r.Skipped = map[string]int64{}
	}
	r.Skipped[reason] += n
}

// SkippedRows returns the number of rows skipped for any reason other than
// SkipUnreadableRowGroup (whose count is of row groups).
func (r *Report) SkippedRows() int64 {
	var n int64
	for k, v := range r.Skipped {
		if k != SkipUnreadableRowGroup {
			n += v
		}
	}
	return n
}

// Rows returns the rows of the files read: those decoded and those of unreadable row
// groups (RowsRead + RowsUnread).
func (r *Report) Rows() int64 { return r.RowsRead + r.RowsUnread }

// SkippedShare returns the share of Rows that did not reach the callback: rows skipped
// for any reason and rows of unreadable row groups; 0 when there are no rows. Rows of
// files that could not be opened are not known and not counted.
func (r *Report) SkippedShare() float64 {
	n := r.Rows()
	if n == 0 {
		return 0
	}
	return float64(r.SkippedRows()+r.RowsUnread) / float64(n)
}

// AddError records msg, unless the cap is reached, in which case it is counted in
// ErrorsDropped.
func (r *Report) AddError(msg string) {
	limit := r.maxErrors
	if limit <= 0 {
		limit = DefaultMaxErrors
	}
	if len(r.Errors) >= limit {
		r.ErrorsDropped++
		return
	}
	r.Errors = append(r.Errors, msg)
}

// Merge adds the counts and errors of o to r. Errors beyond r's cap are counted in
// ErrorsDropped.
func (r *Report) Merge(o *Report) {
	if o == nil {
		return
	}
	r.Files += o.Files
	r.FilesFailed += o.FilesFailed
	r.RowGroups += o.RowGroups
	r.RowsRead += o.RowsRead
	r.RowsKept += o.RowsKept
	r.RowsUnread += o.RowsUnread
	for k, v := range o.Skipped {
		r.Skip(k, v)
	}
	for _, e := range o.Errors {
		r.AddError(e)
	}
	r.ErrorsDropped += o.ErrorsDropped
}

// String summarises the report on one line.
func (r *Report) String() string {
	keys := make([]string, 0, len(r.Skipped))
	for k := range r.Skipped {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	s := fmt.Sprintf("files=%d failed=%d row_groups=%d rows_read=%d rows_kept=%d", r.Files, r.FilesFailed, r.RowGroups, r.RowsRead, r.RowsKept)
	if r.RowsUnread > 0 {
		s += fmt.Sprintf(" rows_unread=%d", r.RowsUnread)
	}
	for _, k := range keys {
		s += fmt.Sprintf(" %s=%d", k, r.Skipped[k])
	}
	if n := int64(len(r.Errors)) + r.ErrorsDropped; n > 0 {
		s += fmt.Sprintf(" errors=%d", n)
	}
	return s
}

// ErrMissingColumn and ErrColumnType are wrapped by the *SchemaError that Read returns for
// a file lacking a required column or having a column of an unsupported type.
var (
	ErrMissingColumn = errors.New("missing required column")
	ErrColumnType    = errors.New("unsupported column type")
)

// SchemaError reports a file whose schema does not fit the log schema.
type SchemaError struct {
	File   string // path of the file
	Column string // column name
	Err    error  // ErrMissingColumn or ErrColumnType
	Detail string // for ErrColumnType: the type found and the types accepted
}

func (e *SchemaError) Error() string {
	if errors.Is(e.Err, ErrMissingColumn) {
		return fmt.Sprintf("querylog: read %s: missing required column %q", e.File, e.Column)
	}
	return fmt.Sprintf("querylog: read %s: column %q: %v: %s", e.File, e.Column, e.Err, e.Detail)
}

func (e *SchemaError) Unwrap() error { return e.Err }
