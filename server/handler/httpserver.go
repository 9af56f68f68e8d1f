// The native http.Server settings: header-size limit (requests over it get 431, RFC 6585 §5, from
// net/http itself) and timeouts that keep slow or idle clients from holding connections forever.
package handler

import (
	"log"
	"net/http"
	"time"
)

// MaxHeaderBytes bounds a request's header block. net/http answers 431 Request Header Fields Too
// Large past it (plus its own 4 KiB of slack). The app sends no cookies; 16 KiB is ample.
const MaxHeaderBytes = 16 << 10

// NewServer returns an http.Server for h at addr with Graft's limits. errorLog may be nil.
func NewServer(addr string, h http.Handler, errorLog *log.Logger) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		MaxHeaderBytes:    MaxHeaderBytes,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		// A 1 MiB chunk to a slow phone can take a while; a stalled one is cut after this.
		WriteTimeout: 5 * time.Minute,
		IdleTimeout:  2 * time.Minute,
		ErrorLog:     errorLog,
		// "OPTIONS *" reaches the handler (→ 405) instead of net/http's built-in 200.
		DisableGeneralOptionsHandler: true,
	}
}
