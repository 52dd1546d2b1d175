#include "date.h"
#include "platform.h"

#include <stdio.h>
#include <time.h>

int duo_date_format(long long t, char out[DUO_DATE_SIZE])
{
    static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
    static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    time_t tt = (time_t)t;
    struct tm tm;
    int n;

    if (platform_gmtime((long long)tt, &tm) != 0 || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0)
        return -1;
    n = snprintf(out, DUO_DATE_SIZE, "%s, %02d %s %04d %02d:%02d:%02d -0000",
                 days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
                 tm.tm_hour, tm.tm_min, tm.tm_sec);
    return (n > 0 && n < DUO_DATE_SIZE) ? 0 : -1;
}

int duo_date_iso(long long t, char out[DUO_ISO_DATE_SIZE])
{
    time_t tt = (time_t)t;
    struct tm tm;
    int n;

    if (platform_gmtime((long long)tt, &tm) != 0 || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0)
        return -1;
    n = snprintf(out, DUO_ISO_DATE_SIZE, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return (n > 0 && n < DUO_ISO_DATE_SIZE) ? 0 : -1;
}

long long duo_clock_system(void)
{
    return (long long)time(NULL);
}

long long duo_monotonic_ms(void)
{
    return platform_monotonic_ms();
}

void duo_sleep_ms(long long ms)
{
    platform_sleep_ms(ms);
}
