/* RFC 2822 dates for the Date header, written without the C library's
 * locale so a user's LC_TIME can never change a signed string, and the
 * clocks. (The event loop dates requests from its own clock, which can be
 * virtual or offset: see duo_loop_set_virtual_time.) */
#ifndef DUO_DATE_H
#define DUO_DATE_H

/* "Tue, 21 Aug 2012 17:29:18 -0000" is 31 characters. */
#define DUO_DATE_SIZE 32

/* Writes the UTC date of unix time t into out. Returns 0 or -1. */
int duo_date_format(long long t, char out[DUO_DATE_SIZE]);

/* "2012-08-21T17:29:18Z", for logs. */
#define DUO_ISO_DATE_SIZE 24
int duo_date_iso(long long t, char out[DUO_ISO_DATE_SIZE]);
/* The system clock in unix seconds (time(NULL)). */
long long duo_clock_system(void);

/* Milliseconds of a monotonic clock, for timers and timeouts. */
long long duo_monotonic_ms(void);

/* Sleeps for ms milliseconds (returns early on a signal). */
void duo_sleep_ms(long long ms);

#endif
