/* The embedded CA bundle holds exactly Duo's pinned roots.
 *
 * Parses the PEM text that core embeds (duo_pinned_roots) with Mbed TLS,
 * takes the SHA-256 of each certificate's DER bytes and compares the set
 * with the fingerprints listed in core/pinned_roots.txt: none missing, none
 * extra, no duplicates. The list file itself is checked against the 15
 * fingerprints of duo-api.md section 8, so that changing the pins takes a
 * deliberate edit here too.
 *
 * usage: test_pinned_roots DATA_DIR PINNED_ROOTS_TXT
 * Prints one line per failed check and ends with "N passed, M failed". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/md.h>
#include <mbedtls/x509_crt.h>

#include "transport.h"

#define N_ROOTS 15
#define MAX_CERTS 64

/* duo-api.md section 8: the roots Duo's official clients pin. */
static const char *const spec_roots[N_ROOTS] = {
    "8ecde6884f3d87b1125ba31ac3fcb13d7016de7f57cc904fe1cb97c6ae98196e", /* Amazon Root CA 1 */
    "1ba5b2aa8c65401a82960118f80bec4f62304d83cec4713a19c39c011ea46db4", /* Amazon Root CA 2 */
    "18ce6cfe7bf14e60b2e347b8dfe868cb31d02ebb3ada271569f50343b46db3a4", /* Amazon Root CA 3 */
    "e35d28419ed02025cfa69038cd623962458da5c695fbdea3c22b0bfb25897092", /* Amazon Root CA 4 */
    "568d6905a2c88708a4b3025190edcfedb1974a606a13c6e5290fcb2ae63edab5", /* Starfield Services Root CA - G2 */
    "2ce1cb0bf9d2f9e102993fbe215152c3b2dd0cabde1c68e5319b839154dbb7f5", /* Starfield Root CA - G2 */
    "7431e5f4c3c1ce4690774f0b61e05440883ba9a01ed00ba6abd7806ed3b118cf", /* DigiCert High Assurance EV Root CA */
    "018e13f0772532cf809bd1b17281867283fc48c6e13be9c69812854a490c1b05", /* DigiCert TLS ECC P384 Root G5 */
    "371a00dc0533b3721a7eeb40e8419e70799d2b0a0f2c1d80693165f7cec4ad75", /* DigiCert TLS RSA4096 Root G5 */
    "4fa3126d8d3a11d1c4855a4f807cbad6cf919d3a5a88b03bea2c6372d93c40c9", /* GlobalSign Root R46 */
    "cbb9c44d84b8043e1050ea31a69f514955d7bfd2e2c6b49301019ad61d9f5058", /* GlobalSign Root E46 */
    "8d25cd97229dbf70356bda4eb3cc734031e24cf00fafcfd32dc76eb5841c7ea8", /* GTS Root R2 */
    "349dfa4058c5e263123b398ae795573c4e1313c83fe68f93556cd5e8031b3c7d", /* GTS Root R4 */
    "5d56499be4d2e08bcfcad08a3e38723d50503bde706948e42f55603019e528ae", /* IdenTrust Commercial Root CA 1 */
    "983d826ba9c87f653ff9e8384c5413e1d59acf19ddc9c98cecae5fdea2ac229c", /* IdenTrust Commercial Root TLS ECC CA 2 */
};

static int passed, failed;

static void check(int ok, const char *what, const char *detail)
{
    if (ok) {
        passed++;
        return;
    }
    failed++;
    printf("FAIL %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
}

static int find(char list[][65], int n, const char *fp)
{
    for (int i = 0; i < n; i++)
        if (strcmp(list[i], fp) == 0)
            return i;
    return -1;
}

/* Reads "<64 hex> <name>" lines; returns how many, or -1. */
static int read_list(const char *path, char fps[][65], char names[][128], int max)
{
    FILE *f = fopen(path, "r");
    char line[512];
    int n = 0;

    if (f == NULL)
        return -1;
    while (fgets(line, sizeof(line), f) != NULL) {
        size_t len = strcspn(line, "\r\n");
        line[len] = '\0';
        if (len == 0 || line[0] == '#')
            continue;
        if (n == max || len < 66 || line[64] != ' '
            || strspn(line, "0123456789abcdef") != 64) {
            check(0, path, line);
            continue;
        }
        memcpy(fps[n], line, 64);
        fps[n][64] = '\0';
        snprintf(names[n], sizeof(names[n]), "%.120s", line + 65);
        n++;
    }
    fclose(f);
    return n;
}

static void hex(const unsigned char *d, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", d[i]);
}

int main(int argc, char **argv)
{
    static char list_fps[MAX_CERTS][65], list_names[MAX_CERTS][128];
    static char bundle_fps[MAX_CERTS][65], bundle_names[MAX_CERTS][256];
    const mbedtls_md_info_t *sha256 = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);
    mbedtls_x509_crt chain, *crt;
    const char *pem;
    size_t pem_len = 0;
    int count = 0, n_list, n_bundle = 0, rc;
    char msg[512];

    if (argc != 3) {
        fprintf(stderr, "usage: %s DATA_DIR PINNED_ROOTS_TXT\n", argv[0]);
        return 2;
    }

    /* The list file is the spec's list. */
    n_list = read_list(argv[2], list_fps, list_names, MAX_CERTS);
    check(n_list == N_ROOTS, argv[2], "holds 15 fingerprints");
    for (int i = 0; i < N_ROOTS; i++) {
        snprintf(msg, sizeof(msg), "duo-api.md root %s is listed", spec_roots[i]);
        check(n_list > 0 && find(list_fps, n_list, spec_roots[i]) >= 0, argv[2], msg);
    }

    /* The embedded bundle. */
    pem = duo_pinned_roots(&pem_len, &count);
    check(pem != NULL && pem_len > 0, "duo_pinned_roots", "returns the PEM text");
    check(count == N_ROOTS, "duo_pinned_roots", "reports 15 certificates");
    if (pem == NULL)
        goto done;
    check(pem[pem_len] == '\0', "duo_pinned_roots", "the text is NUL-terminated");

    mbedtls_x509_crt_init(&chain);
    /* PEM input must include the terminating NUL in its length. */
    rc = mbedtls_x509_crt_parse(&chain, (const unsigned char *)pem, pem_len + 1);
    snprintf(msg, sizeof(msg), "mbedtls_x509_crt_parse returned %d (-0x%04x)", rc, rc < 0 ? -rc : 0);
    check(rc == 0, "every certificate of the bundle parses", rc == 0 ? NULL : msg);

    for (crt = &chain; crt != NULL && crt->raw.len > 0; crt = crt->next) {
        unsigned char digest[32];
        char fp[65], subject[256] = "?";

        if (n_bundle == MAX_CERTS) {
            check(0, "bundle", "more than 64 certificates");
            break;
        }
        mbedtls_x509_dn_gets(subject, sizeof(subject), &crt->subject);
        if (sha256 == NULL || mbedtls_md(sha256, crt->raw.p, crt->raw.len, digest) != 0) {
            check(0, "SHA-256", subject);
            continue;
        }
        hex(digest, sizeof(digest), fp);
        snprintf(msg, sizeof(msg), "%s (%s) appears twice", fp, subject);
        check(find(bundle_fps, n_bundle, fp) < 0, "bundle", msg);
        memcpy(bundle_fps[n_bundle], fp, sizeof(fp));
        snprintf(bundle_names[n_bundle], sizeof(bundle_names[n_bundle]), "%s", subject);
        n_bundle++;

        snprintf(msg, sizeof(msg), "%s (%s) is not in pinned_roots.txt", fp, subject);
        check(find(list_fps, n_list > 0 ? n_list : 0, fp) >= 0, "bundle: extra root", msg);
        snprintf(msg, sizeof(msg), "%s is not self-issued", subject);
        check(crt->subject_raw.len == crt->issuer_raw.len
              && memcmp(crt->subject_raw.p, crt->issuer_raw.p, crt->subject_raw.len) == 0,
              "bundle: a root", msg);
        snprintf(msg, sizeof(msg), "%s is not a CA certificate", subject);
        check(crt->ca_istrue, "bundle: a root", msg);
        if (mbedtls_x509_time_is_past(&crt->valid_to))
            printf("warning: pinned root %s (%s) has expired\n", fp, subject);
    }
    mbedtls_x509_crt_free(&chain);

    check(n_bundle == N_ROOTS, "bundle", "holds exactly 15 certificates");
    check(n_bundle == count, "bundle", "duo_pinned_roots counts what parses");
    for (int i = 0; i < n_list; i++) {
        snprintf(msg, sizeof(msg), "%.64s %.127s is missing", list_fps[i], list_names[i]);
        check(find(bundle_fps, n_bundle, list_fps[i]) >= 0, "bundle: listed root", msg);
    }

done:
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}
