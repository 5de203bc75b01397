package server

import (
	"context"
	"fmt"
	"strings"

	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	spellerv1 "github.com/spellwright/speller/proto/speller/v1"
	"github.com/spellwright/speller/spell"
)

// service implements spellerv1.SpellerServiceServer on the server's current model.
type service struct {
	spellerv1.UnimplementedSpellerServiceServer
	s *Server
}

// model returns the model to answer a call with, loaded once per call so that a call ends on the model it
// started with.
func (s *Server) model(ctx context.Context, method string) (*loaded, error) {
	if s.hook != nil {
		s.hook(ctx, method)
	}
	l := s.current.Load()
	if l == nil {
		return nil, errNoModel
	}
	return l, nil
}

// Correct implements spellerv1.SpellerServiceServer.
func (v *service) Correct(ctx context.Context, req *spellerv1.CorrectRequest) (*spellerv1.CorrectResponse, error) {
	l, err := v.s.model(ctx, "Correct")
	if err != nil {
		return nil, toStatus(err)
	}
	resp, err := v.s.correct(ctx, l, req)
	if err != nil {
		return nil, toStatus(err)
	}
	return resp, nil
}

// CorrectBatch implements spellerv1.SpellerServiceServer.
func (v *service) CorrectBatch(ctx context.Context, req *spellerv1.CorrectBatchRequest) (*spellerv1.CorrectBatchResponse, error) {
	// limitUnary refused the batches over the limits.
	l, err := v.s.model(ctx, "CorrectBatch")
	if err != nil {
		return nil, toStatus(err)
	}
	out := &spellerv1.CorrectBatchResponse{Results: make([]*spellerv1.CorrectBatchResult, len(req.GetRequests()))}
	for i, r := range req.GetRequests() {
		if err := ctx.Err(); err != nil {
			return nil, toStatus(fmt.Errorf("correct batch: request %d: %w", i, err))
		}
		resp, err := v.s.correct(ctx, l, r)
		if err != nil {
			st := status.Convert(toStatus(err))
			out.Results[i] = &spellerv1.CorrectBatchResult{Result: &spellerv1.CorrectBatchResult_Error{
				Error: &spellerv1.Status{Code: int32(st.Code()), Message: st.Message()},
			}}
			continue
		}
		out.Results[i] = &spellerv1.CorrectBatchResult{Result: &spellerv1.CorrectBatchResult_Response{Response: resp}}
	}
	return out, nil
}

// GetModelInfo implements spellerv1.SpellerServiceServer.
func (v *service) GetModelInfo(ctx context.Context, _ *spellerv1.GetModelInfoRequest) (*spellerv1.GetModelInfoResponse, error) {
	l, err := v.s.model(ctx, "GetModelInfo")
	if err != nil {
		return nil, toStatus(err)
	}
	b, p, d := l.bundle, l.corrector.Params(), l.corrector.Decoding()
	return &spellerv1.GetModelInfoResponse{Model: &spellerv1.ModelInfo{
		Version:        l.version,
		BuildTime:      timestamppb.New(b.Meta.BuildTime),
		Sources:        b.Meta.Sources,
		Comment:        b.Meta.Comment,
		VocabularySize: int64(b.LM.Len()),
		Bigrams:        int64(b.LM.Bigrams()),
		Hyperparameters: &spellerv1.Hyperparameters{
			Lambda:        p.Lambda,
			Slope:         p.Slope,
			Intercept:     p.Intercept,
			AutoThreshold: p.AutoThreshold,
			LogPUnk:       p.LogPUnk,
			LogPSpace:     p.LogPSpace,
			LogPTypo:      p.LogPTypo,
			MinBackoff:    p.MinBackoff,
			UnkShape:      p.UnkShape,
			UnkLength:     p.UnkLength,
		},
		LoadedAt:        timestamppb.New(l.loadedAt),
		FeedbackEntries: int64(b.Feedback.Len()),
		Decoding: &spellerv1.Decoding{
			MaxDistance:   int32(d.MaxDistance),
			ShortToken:    int32(d.ShortToken),
			KnownLogProb:  d.KnownLogProb,
			MaxCandidates: int32(d.MaxCandidates),
			NBest:         int32(d.NBest),
			Beam:          d.Beam,
			WeakMargin:    d.WeakMargin,
		},
	}}, nil
}

// correct answers one query with model l, from the model's cache when the request allows it; errors are
// plain (toStatus turns them into statuses).
func (s *Server) correct(ctx context.Context, l *loaded, req *spellerv1.CorrectRequest) (*spellerv1.CorrectResponse, error) {
	if req.GetMaxAlternatives() < 0 {
		return nil, fmt.Errorf("correct: %w: max_alternatives is %d, it must not be negative", errInvalidArgument, req.GetMaxAlternatives())
	}
	zero := req.OriginalResultCount != nil && *req.OriginalResultCount == 0
	cacheable := l.cache != nil && len(req.GetProtectedTerms()) == 0 && len(req.GetNeverSuggest()) == 0
	key := cacheKey{req.GetQuery(), zero, req.GetMaxAlternatives()}
	var a answer
	hit := false
	if cacheable {
		a, hit = l.cache.Get(key)
		result := "miss"
		if hit {
			result = "hit"
		}
		s.metrics.cache.WithLabelValues(result).Inc()
	}
	if !hit {
		var err error
		if a, err = answerOf(ctx, l, req, zero); err != nil {
			return nil, err
		}
		if cacheable {
			l.cache.Add(key, a)
		}
	}
	s.metrics.corrections.WithLabelValues(actionLabel(a.action)).Inc()
	return a.resp, nil
}

// answerOf corrects one query with model l.
func answerOf(ctx context.Context, l *loaded, req *spellerv1.CorrectRequest, zero bool) (answer, error) {
	res, err := l.corrector.Correct(ctx, spell.Request{
		Query:           req.GetQuery(),
		ZeroResults:     zero,
		MaxAlternatives: int(req.GetMaxAlternatives()),
		Protected:       req.GetProtectedTerms(),
		NeverSuggest:    req.GetNeverSuggest(),
	})
	if err != nil {
		return answer{}, fmt.Errorf("correct: %w", err)
	}
	resp := &spellerv1.CorrectResponse{
		Correction:    res.Correction,
		Action:        actionProto(res.Action),
		LogOdds:       res.LogOdds,
		Confidence:    res.Confidence,
		Threshold:     res.Threshold,
		AutoThreshold: res.AutoThreshold,
		ModelVersion:  l.version,
		Tokens:        make([]*spellerv1.TokenCorrection, len(res.Tokens)),
		Alternatives:  make([]*spellerv1.Alternative, len(res.Alternatives)),
	}
	if res.Action == spell.None {
		resp.Correction = ""
	}
	if res.FeedbackApplied() {
		resp.FeedbackApplied, resp.ActionBeforeFeedback = true, actionProto(res.ActionBeforeFeedback)
	}
	for i, t := range res.Tokens {
		resp.Tokens[i] = &spellerv1.TokenCorrection{
			Typed: t.Typed, Chosen: t.Chosen, Start: int32(t.Start), End: int32(t.End), Changed: t.Changed,
		}
	}
	for i, a := range res.Alternatives {
		resp.Alternatives[i] = &spellerv1.Alternative{Text: a.Text, Score: a.Score, LogOdds: a.LogOdds}
	}
	return answer{resp, res.Action}, nil
}

func actionProto(a spell.Action) spellerv1.Action {
	switch a {
	case spell.DidYouMean:
		return spellerv1.Action_ACTION_DID_YOU_MEAN
	case spell.AutoCorrect:
		return spellerv1.Action_ACTION_AUTO_CORRECT
	}
	return spellerv1.Action_ACTION_NONE
}

// actionLabel is the metric label of an action: "none", "did_you_mean", "auto_correct".
func actionLabel(a spell.Action) string { return strings.ToLower(a.String()) }
