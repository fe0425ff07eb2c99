package dev.rebound.core.tls;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code _mta-sts.<domain>} TXT record (RFC 8461 §3.1), which says that a domain has a policy and names its
 * current version by {@code id}:
 * <pre>
 * sts-text-record = sts-version 1*(sts-field-delim sts-field) [sts-field-delim]
 * sts-version     = %s"v=STSv1"            sts-field-delim = *WSP ";" *WSP
 * sts-field       = sts-id / sts-extension sts-id = %s"id=" 1*32(ALPHA / DIGIT)
 * sts-extension   = sts-ext-name "=" sts-ext-value
 * sts-ext-name    = (ALPHA / DIGIT) *31(ALPHA / DIGIT / "_" / "-" / ".")
 * sts-ext-value   = 1*(%x21-3A / %x3C / %x3E-7E)
 * </pre>
 * Discovery: the strings of one TXT record are joined without spaces; records that do not begin with
 * {@code v=STSv1} and a delimiter are discarded; unless exactly one remains and it parses with an id, the domain
 * has no discoverable policy (then only a cached one applies).
 */
public sealed interface StsRecord {
    /** A valid record with the policy's id. */
    record Found(String id) implements StsRecord {}

    /** No usable record (none, several, or invalid): why, for the evidence. */
    record NotFound(String why) implements StsRecord {}

    Pattern START = Pattern.compile("^v=STSv1[ \\t]*;");
    Pattern ID = Pattern.compile("[A-Za-z0-9]{1,32}");
    Pattern EXT_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,31}");
    Pattern EXT_VALUE = Pattern.compile("[\\x21-\\x3a\\x3c\\x3e-\\x7e]+");
    Pattern DELIM = Pattern.compile("[ \\t]*;[ \\t]*");

    /**
     * Picks and parses the policy record among a name's TXT records, each given as its strings already joined.
     * Never throws.
     */
    static StsRecord discover(List<String> txtRecords) {
        List<String> candidates = new ArrayList<>();
        for (String r : txtRecords) if (r != null && START.matcher(r).find()) candidates.add(r);
        if (candidates.isEmpty()) return new NotFound("no TXT record starting with v=STSv1;");
        if (candidates.size() > 1) return new NotFound(candidates.size() + " TXT records start with v=STSv1 (exactly one allowed)");
        return parse(candidates.getFirst());
    }

    /** Parses one record strictly. */
    static StsRecord parse(String record) {
        Matcher m = START.matcher(record);
        if (!m.find()) return new NotFound("record does not start with v=STSv1;: \"" + StsPolicy.printable(record) + "\"");
        String rest = record.substring(m.end()).replaceFirst("^[ \\t]+", "");
        if (rest.isEmpty()) return new NotFound("record without id: \"" + StsPolicy.printable(record) + "\"");
        String id = null;
        // fields separated by delimiters, an optional trailing delimiter
        String[] fields = DELIM.split(rest, -1);
        for (int i = 0; i < fields.length; i++) {
            String f = fields[i];
            if (f.isEmpty()) {
                if (i == fields.length - 1 && i > 0) break; // trailing delimiter
                return new NotFound("empty field in \"" + StsPolicy.printable(record) + "\"");
            }
            int eq = f.indexOf('=');
            if (eq <= 0) return new NotFound("field \"" + StsPolicy.printable(f) + "\" is not name=value");
            String name = f.substring(0, eq), value = f.substring(eq + 1);
            if (name.equals("id")) {
                if (!ID.matcher(value).matches()) return new NotFound("id \"" + StsPolicy.printable(value) + "\" is not 1-32 letters or digits");
                if (id == null) id = value;
            } else if (!EXT_NAME.matcher(name).matches() || !EXT_VALUE.matcher(value).matches()) {
                return new NotFound("field \"" + StsPolicy.printable(f) + "\" is not a valid extension");
            }
        }
        if (id == null) return new NotFound("record without id: \"" + StsPolicy.printable(record) + "\"");
        return new Found(id);
    }
}
