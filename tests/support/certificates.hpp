// Throwaway certificates made at test time (nothing secret is committed): a trusted CA, an
// untrusted one, and leaf certificates with the names, issuers and validity a test asks for.
#pragma once

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace test {

struct CertificateFiles {
    std::string certificate;
    std::string private_key;
};

class Certificates {
public:
    struct Leaf {
        std::string common_name;
        std::vector<std::string> san;     // "DNS:localhost", "IP:127.0.0.1"
        long not_before = -3600;          // seconds from now
        long not_after = 24 * 3600;
        bool by_trusted_ca = true;
    };

    // Files go into `dir`, which must exist and outlive this object's users.
    explicit Certificates(std::string dir) : dir_(std::move(dir)) {
        trusted_ = make_ca("ipcxx test CA", "ca");
        untrusted_ = make_ca("ipcxx rogue CA", "rogue-ca");
    }

    const std::string& ca_file() const { return trusted_.files.certificate; }

    CertificateFiles issue(const std::string& name, const Leaf& leaf) {
        const Authority& ca = leaf.by_trusted_ca ? trusted_ : untrusted_;
        Key key = new_key();
        Cert cert = build(leaf.common_name, key.get(), ca.cert.get(), ca.key.get(), leaf.not_before, leaf.not_after);
        add_extension(cert.get(), ca.cert.get(), NID_basic_constraints, "critical,CA:FALSE");
        add_extension(cert.get(), ca.cert.get(), NID_ext_key_usage, "serverAuth,clientAuth");
        std::string san;
        for (const auto& entry : leaf.san) san += (san.empty() ? "" : ",") + entry;
        if (!san.empty()) add_extension(cert.get(), ca.cert.get(), NID_subject_alt_name, san);
        sign(cert.get(), ca.key.get());
        return write(name, cert.get(), key.get());
    }

    // A server certificate for 127.0.0.1 and localhost from the trusted CA.
    CertificateFiles server() { return issue("server", {"localhost", {"DNS:localhost", "IP:127.0.0.1"}}); }
    CertificateFiles client(const std::string& name) { return issue(name, {name, {}}); }

private:
    using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
    using Cert = std::unique_ptr<X509, decltype(&X509_free)>;
    struct Authority {
        Key key{nullptr, &EVP_PKEY_free};
        Cert cert{nullptr, &X509_free};
        CertificateFiles files;
    };

    static void check(bool ok, const char* what) {
        if (!ok) throw std::runtime_error(std::string("test certificates: ") + what);
    }

    static Key new_key() {
        Key key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
        check(key != nullptr, "key generation");
        return key;
    }

    Cert build(const std::string& cn, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key, long not_before,
               long not_after) {
        (void)issuer_key;
        Cert cert(X509_new(), &X509_free);
        check(cert != nullptr, "X509_new");
        X509_set_version(cert.get(), 2);
        ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), ++serial_);
        X509_gmtime_adj(X509_getm_notBefore(cert.get()), not_before);
        X509_gmtime_adj(X509_getm_notAfter(cert.get()), not_after);
        X509_set_pubkey(cert.get(), key);
        X509_NAME* name = X509_get_subject_name(cert.get());
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(cn.c_str()), -1,
                                   -1, 0);
        X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
        return cert;
    }

    static void add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
        X509V3_CTX ctx;
        X509V3_set_ctx_nodb(&ctx);
        X509V3_set_ctx(&ctx, issuer ? issuer : cert, cert, nullptr, nullptr, 0);
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
        check(ext != nullptr, "extension");
        X509_add_ext(cert, ext, -1);
        X509_EXTENSION_free(ext);
    }

    static void sign(X509* cert, EVP_PKEY* key) { check(X509_sign(cert, key, EVP_sha256()) > 0, "signing"); }

    Authority make_ca(const std::string& cn, const std::string& name) {
        Authority ca;
        ca.key = new_key();
        ca.cert = build(cn, ca.key.get(), nullptr, nullptr, -3600, 24 * 3600);
        add_extension(ca.cert.get(), nullptr, NID_basic_constraints, "critical,CA:TRUE");
        add_extension(ca.cert.get(), nullptr, NID_key_usage, "critical,keyCertSign,cRLSign");
        add_extension(ca.cert.get(), nullptr, NID_subject_key_identifier, "hash");
        sign(ca.cert.get(), ca.key.get());
        ca.files = write(name, ca.cert.get(), ca.key.get());
        return ca;
    }

    CertificateFiles write(const std::string& name, X509* cert, EVP_PKEY* key) const {
        CertificateFiles files{dir_ + "/" + name + ".crt", dir_ + "/" + name + ".key"};
        FILE* out = std::fopen(files.certificate.c_str(), "w");
        check(out && PEM_write_X509(out, cert) == 1, "writing a certificate");
        std::fclose(out);
        out = std::fopen(files.private_key.c_str(), "w");
        check(out && PEM_write_PrivateKey(out, key, nullptr, nullptr, 0, nullptr, nullptr) == 1, "writing a key");
        std::fclose(out);
        return files;
    }

    std::string dir_;
    long serial_ = 0;
    Authority trusted_;
    Authority untrusted_;
};

}  // namespace test
