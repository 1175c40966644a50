export namespace app {
	
	export class AttachmentView {
	    index: number;
	    contentType: string;
	    title: string;
	    size: number;
	    stored: boolean;
	    message: string;
	
	    static createFrom(source: any = {}) {
	        return new AttachmentView(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.index = source["index"];
	        this.contentType = source["contentType"];
	        this.title = source["title"];
	        this.size = source["size"];
	        this.stored = source["stored"];
	        this.message = source["message"];
	    }
	}
	export class ConnectionView {
	    id: string;
	    label: string;
	    practiceName: string;
	    patientName: string;
	    status: string;
	    expiresAt: string;
	    lastSyncAt: string;
	    lastSyncStatus: string;
	    counts: Record<string, number>;
	    recordCount: number;
	    attachments: boolean;
	    notices: string[];
	
	    static createFrom(source: any = {}) {
	        return new ConnectionView(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.label = source["label"];
	        this.practiceName = source["practiceName"];
	        this.patientName = source["patientName"];
	        this.status = source["status"];
	        this.expiresAt = source["expiresAt"];
	        this.lastSyncAt = source["lastSyncAt"];
	        this.lastSyncStatus = source["lastSyncStatus"];
	        this.counts = source["counts"];
	        this.recordCount = source["recordCount"];
	        this.attachments = source["attachments"];
	        this.notices = source["notices"];
	    }
	}
	export class DirectoryInfo {
	    practices: number;
	    fetchedAt: string;
	    ageText: string;
	    source: string;
	    refreshing: boolean;
	    error: string;
	
	    static createFrom(source: any = {}) {
	        return new DirectoryInfo(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.practices = source["practices"];
	        this.fetchedAt = source["fetchedAt"];
	        this.ageText = source["ageText"];
	        this.source = source["source"];
	        this.refreshing = source["refreshing"];
	        this.error = source["error"];
	    }
	}
	export class GroupView {
	    key: string;
	    label: string;
	    count: number;
	
	    static createFrom(source: any = {}) {
	        return new GroupView(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.key = source["key"];
	        this.label = source["label"];
	        this.count = source["count"];
	    }
	}
	export class LoginStart {
	    attemptId: string;
	    authUrl: string;
	
	    static createFrom(source: any = {}) {
	        return new LoginStart(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.attemptId = source["attemptId"];
	        this.authUrl = source["authUrl"];
	    }
	}
	export class Practice {
	    code: string;
	    name: string;
	    base: string;
	    city: string;
	    state: string;
	    isTest: boolean;
	    manual: boolean;
	
	    static createFrom(source: any = {}) {
	        return new Practice(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.code = source["code"];
	        this.name = source["name"];
	        this.base = source["base"];
	        this.city = source["city"];
	        this.state = source["state"];
	        this.isTest = source["isTest"];
	        this.manual = source["manual"];
	    }
	}
	export class RecordDetail {
	    type: string;
	    id: string;
	    title: string;
	    date: string;
	    fields: present.Field[];
	    narrativeHtml: string;
	    rawJson: string;
	    attachments: AttachmentView[];
	
	    static createFrom(source: any = {}) {
	        return new RecordDetail(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.type = source["type"];
	        this.id = source["id"];
	        this.title = source["title"];
	        this.date = source["date"];
	        this.fields = this.convertValues(source["fields"], present.Field);
	        this.narrativeHtml = source["narrativeHtml"];
	        this.rawJson = source["rawJson"];
	        this.attachments = this.convertValues(source["attachments"], AttachmentView);
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class RecordSummary {
	    type: string;
	    id: string;
	    date: string;
	    title: string;
	    subtitle: string;
	    status: string;
	
	    static createFrom(source: any = {}) {
	        return new RecordSummary(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.type = source["type"];
	        this.id = source["id"];
	        this.date = source["date"];
	        this.title = source["title"];
	        this.subtitle = source["subtitle"];
	        this.status = source["status"];
	    }
	}
	export class Settings {
	    clientId: string;
	    publicUrl: string;
	    callbackPort: number;
	    directoryUrl: string;
	    demo: boolean;
	
	    static createFrom(source: any = {}) {
	        return new Settings(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.clientId = source["clientId"];
	        this.publicUrl = source["publicUrl"];
	        this.callbackPort = source["callbackPort"];
	        this.directoryUrl = source["directoryUrl"];
	        this.demo = source["demo"];
	    }
	}
	export class SetupCheck {
	    id: string;
	    label: string;
	    ok: boolean;
	    detail: string;
	    advice: string;
	
	    static createFrom(source: any = {}) {
	        return new SetupCheck(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.id = source["id"];
	        this.label = source["label"];
	        this.ok = source["ok"];
	        this.detail = source["detail"];
	        this.advice = source["advice"];
	    }
	}
	export class SetupGuide {
	    portalUrl: string;
	    redirectUri: string;
	    callbackPort: number;
	    portChanged: boolean;
	    scopes: string[];
	
	    static createFrom(source: any = {}) {
	        return new SetupGuide(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.portalUrl = source["portalUrl"];
	        this.redirectUri = source["redirectUri"];
	        this.callbackPort = source["callbackPort"];
	        this.portChanged = source["portChanged"];
	        this.scopes = source["scopes"];
	    }
	}
	export class SetupReport {
	    ok: boolean;
	    checks: SetupCheck[];
	    checkedAt: string;
	
	    static createFrom(source: any = {}) {
	        return new SetupReport(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.ok = source["ok"];
	        this.checks = this.convertValues(source["checks"], SetupCheck);
	        this.checkedAt = source["checkedAt"];
	    }
	
		convertValues(a: any, classs: any, asMap: boolean = false): any {
		    if (!a) {
		        return a;
		    }
		    if (a.slice && a.map) {
		        return (a as any[]).map(elem => this.convertValues(elem, classs));
		    } else if ("object" === typeof a) {
		        if (asMap) {
		            for (const key of Object.keys(a)) {
		                a[key] = new classs(a[key]);
		            }
		            return a;
		        }
		        return new classs(a);
		    }
		    return a;
		}
	}
	export class SyncProgress {
	    connectionId: string;
	    type: string;
	    pages: number;
	    resources: number;
	    errors: number;
	    done: boolean;
	    message: string;
	
	    static createFrom(source: any = {}) {
	        return new SyncProgress(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.connectionId = source["connectionId"];
	        this.type = source["type"];
	        this.pages = source["pages"];
	        this.resources = source["resources"];
	        this.errors = source["errors"];
	        this.done = source["done"];
	        this.message = source["message"];
	    }
	}
	export class SyncRunView {
	    startedAt: string;
	    seconds: number;
	    status: string;
	    resumed: boolean;
	    records: number;
	    counts: Record<string, number>;
	    errors: Record<string, string>;
	
	    static createFrom(source: any = {}) {
	        return new SyncRunView(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.startedAt = source["startedAt"];
	        this.seconds = source["seconds"];
	        this.status = source["status"];
	        this.resumed = source["resumed"];
	        this.records = source["records"];
	        this.counts = source["counts"];
	        this.errors = source["errors"];
	    }
	}

}

export namespace present {
	
	export class Field {
	    label: string;
	    value: string;
	
	    static createFrom(source: any = {}) {
	        return new Field(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.label = source["label"];
	        this.value = source["value"];
	    }
	}
	export class Patient {
	    name: string;
	    birthDate: string;
	    gender: string;
	    identifier: string;
	    address: string;
	    phone: string;
	
	    static createFrom(source: any = {}) {
	        return new Patient(source);
	    }
	
	    constructor(source: any = {}) {
	        if ('string' === typeof source) source = JSON.parse(source);
	        this.name = source["name"];
	        this.birthDate = source["birthDate"];
	        this.gender = source["gender"];
	        this.identifier = source["identifier"];
	        this.address = source["address"];
	        this.phone = source["phone"];
	    }
	}

}

