//! Command-line arguments (CLI.md).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(name = "infoone", version, about = "InfoOne 団体扱 月次事務（請求・控除・結果報告）")]
pub struct Cli {
    /// ローカルデータベース（既定: ユーザーのデータフォルダの infoone.db）
    #[arg(long, global = true)]
    pub db: Option<PathBuf>,
    /// 団体コード（同じ月に複数の団体があるとき）
    #[arg(long, global = true)]
    pub group: Option<String>,
    #[command(subcommand)]
    pub cmd: Cmd,
}

#[derive(Subcommand)]
pub enum Cmd {
    /// サンプル団体を作る（同じ --seed なら同じ内容）
    Sample {
        #[arg(long, default_value_t = 2000)]
        members: usize,
        #[arg(long, default_value_t = 12)]
        offices: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, default_value = "2026-12")]
        month: String,
        #[arg(long)]
        out: PathBuf,
    },
    #[command(subcommand)]
    Month(MonthCmd),
    #[command(subcommand)]
    Hr(HrCmd),
    #[command(subcommand)]
    Changes(ChangesCmd),
    #[command(subcommand)]
    Bill(BillCmd),
    #[command(subcommand)]
    Deductions(DeductionsCmd),
    #[command(subcommand)]
    Report(ReportCmd),
    /// 確定した月の出力（請求書PDF・電子媒体・全銀口座振替・加入者データ抽出・名簿）
    #[command(subcommand)]
    Export(ExportCmd),
    /// 加入者名簿（xlsx）を取り込み、違いを変更として提案する
    #[command(subcommand)]
    Roster(RosterCmd),
    /// 全銀の振替結果ファイルを取り込む（振替不能は未入金一覧へ）
    #[command(subcommand)]
    Zengin(ZenginCmd),
    /// 未入金一覧（振替不能など）: 一覧・入金済みにする
    #[command(subcommand)]
    Unpaid(UnpaidCmd),
    /// 1か月分をまとめて実行（読込・人事取込・全承認・確定・出力・控除結果・結果報告）
    MonthEnd(MonthEndArgs),
    /// 保険会社APIサーバー（HTTPSのみ、TLS 1.2以上）。データベースは --db PATH（SQLite）か
    /// --database postgres://…（PostgreSQL）で指定。
    /// 担当者用トークンは環境変数 INFOONE_ADMIN_TOKEN（16文字以上）を起動時に登録、
    /// なければ初回起動時に作って一度だけ表示する
    Server {
        /// 台帳を PostgreSQL に置く: postgres://ユーザー[:パスワード]@ホスト[:ポート]/データベース
        /// （パスワードをコマンド引数に書かないときは環境変数 INFOONE_DATABASE_URL）。
        /// 指定しなければ --db PATH の SQLite
        #[arg(long, value_name = "URL")]
        database: Option<String>,
        /// 待ち受けアドレス（例: 127.0.0.1:8443）
        #[arg(long)]
        listen: std::net::SocketAddr,
        /// サーバー証明書（PEM、中間証明書を含めてよい）
        #[arg(long, requires = "tls_key", conflicts_with = "dev_tls")]
        tls_cert: Option<PathBuf>,
        /// 秘密鍵（PEM）
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// 開発・試用: DIR にローカルCA（ca.pem）と 127.0.0.1/localhost 用の証明書を作る（あれば再利用）
        #[arg(long, value_name = "DIR", required_unless_present = "tls_cert")]
        dev_tls: Option<PathBuf>,
        /// 送信データ（結果報告・請求パッケージ）の上限、MiB
        #[arg(long, default_value_t = 64)]
        max_body_mib: usize,
        /// 1つの有効なトークンから受け付ける1分あたりの要求数（0: 制限なし）
        #[arg(long, default_value_t = 600)]
        token_rate: u32,
        /// 送信データを受け取り終えるまでの制限時間、秒
        #[arg(long, default_value_t = 120)]
        body_timeout_secs: u64,
        /// 同じ接続元から認証の失敗が5回続いたあとの最初の待ち時間、秒（失敗ごとに倍。0: 待たせない。
        /// 全員が1つのアドレスから来るロードバランサーの後ろや、APIの自動テストで使います）
        #[arg(long, default_value_t = 1)]
        auth_backoff_secs: u64,
        /// 台帳データベースへの接続数（PostgreSQL: プールの上限。処理中の1件が1本を使う。
        /// SQLite: 待機させておく読み取り用の接続数）。1〜1000
        #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=1000))]
        db_pool_size: u32,
    },
    /// 保険会社APIサーバーのトークン（--db はサーバーのデータベース、PostgreSQL なら環境変数
    /// INFOONE_DATABASE_URL）: 一覧・無効化
    #[command(subcommand)]
    ServerToken(ServerTokenCmd),
    /// 保険会社APIサーバーの台帳: SQLite から PostgreSQL への移行
    #[command(subcommand)]
    ServerLedger(ServerLedgerCmd),
    /// 保険会社サーバーにログインする: URLとCA証明書を記録し、APIトークンをOSの資格情報ストア（キーリング）に保存する
    ///
    /// トークンは環境変数 INFOONE_TOKEN（INFOONE_GROUP にその団体コード）か標準入力から読む
    /// （端末では入力を表示しない。コマンド引数には書かない）。
    Login {
        /// サーバーのURL（https:// のみ）
        #[arg(long)]
        server: String,
        /// 保険会社の独自CAの証明書（PEM）。OSの信頼するCAに加えて信頼する
        #[arg(long)]
        ca: Option<PathBuf>,
    },
    /// APIトークンをOSの資格情報ストアから削除する
    Logout,
    /// ローカルデータベースのバックアップ（確定・確定解除の前に自動で作成）: 一覧・復元
    #[command(subcommand)]
    Db(DbCmd),
    /// 監査ログ（新しいものから --limit 件）
    Audit {
        #[arg(long, default_value_t = 50)]
        limit: i64,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum HrCmd {
    /// 人事データ（xlsx / csv）を取り込み、変更を提案する
    Import {
        file: PathBuf,
        #[arg(long)]
        month: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum MonthCmd {
    /// 請求パッケージ（JSON）を読み込む。--from-server なら保険会社サーバーから取得する
    Load {
        #[arg(required_unless_present = "from_server", conflicts_with = "from_server")]
        package: Option<PathBuf>,
        /// 保険会社サーバー（infoone login で設定）から --month の請求パッケージを取得する
        #[arg(long, requires = "month")]
        from_server: bool,
        /// 取得する月（--from-server のとき）
        #[arg(long)]
        month: Option<String>,
    },
    /// 月の状態
    Status {
        #[arg(long)]
        month: String,
        #[arg(long)]
        json: bool,
    },
    /// 請求を確定する
    Confirm {
        #[arg(long)]
        month: String,
    },
    /// 確定を解除する（結果報告前まで。理由は監査ログに残る）
    Reopen {
        #[arg(long)]
        month: String,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Subcommand)]
pub enum ChangesCmd {
    /// 変更と確認事項の一覧
    List {
        #[arg(long)]
        month: String,
        #[arg(long)]
        json: bool,
    },
    /// 変更を承認する（--all はすべて。1件でも承認できなければ何も承認しない）
    Accept {
        ids: Vec<i64>,
        #[arg(long)]
        all: bool,
        #[arg(long)]
        month: String,
    },
    /// 変更を却下する
    Reject {
        ids: Vec<i64>,
        #[arg(long)]
        all: bool,
        #[arg(long)]
        month: String,
    },
    /// 手入力の変更（紙の届出など）。既定で登録と同時に承認する
    #[command(subcommand)]
    Add(AddCmd),
}

#[derive(Args, Clone)]
pub struct Common {
    #[arg(long)]
    pub month: String,
    /// 承認せずに提案として登録する
    #[arg(long)]
    pub propose_only: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Subcommand)]
pub enum AddCmd {
    /// 中途加入
    Join {
        #[arg(long)]
        employee: String,
        #[arg(long, default_value = "self")]
        insured: String,
        #[arg(long)]
        product: String,
        #[arg(long)]
        plan: String,
        #[arg(long, default_value_t = 1)]
        units: u32,
        /// 申込日（2026-11-18、令和8年11月18日 など）
        #[arg(long)]
        applied_on: String,
        #[command(flatten)]
        common: Common,
    },
    /// 脱退（加入1件）
    Withdrawal {
        #[arg(long)]
        enrollment: String,
        #[arg(long)]
        date: String,
        /// end（月末で終了）/ lump_sum（一括精算）/ bank_transfer（口座振替）
        #[arg(long, default_value = "end")]
        option: String,
        #[command(flatten)]
        common: Common,
    },
    /// 退職（その社員の加入をすべて脱退）
    Retirement {
        #[arg(long)]
        employee: String,
        #[arg(long)]
        date: String,
        #[arg(long, default_value = "end")]
        option: String,
        #[command(flatten)]
        common: Common,
    },
    /// 事業所異動
    Transfer {
        #[arg(long)]
        employee: String,
        #[arg(long)]
        office: String,
        #[arg(long)]
        date: String,
        #[command(flatten)]
        common: Common,
    },
    /// プラン・口数変更
    PlanChange {
        #[arg(long)]
        enrollment: String,
        #[arg(long)]
        plan: String,
        #[arg(long)]
        units: u32,
        #[arg(long)]
        date: String,
        #[command(flatten)]
        common: Common,
    },
    /// 氏名・住所などの変更
    Update {
        #[arg(long)]
        employee: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        name_kana: Option<String>,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        postal_code: Option<String>,
        #[arg(long)]
        address: Option<String>,
        #[command(flatten)]
        common: Common,
    },
    /// 休職（--back で復職）
    Leave {
        #[arg(long)]
        employee: String,
        #[arg(long)]
        back: bool,
        #[command(flatten)]
        common: Common,
    },
    /// 脱退者の口座振替切替（口座を登録）
    BankTransfer {
        #[arg(long)]
        employee: String,
        #[arg(long)]
        bank: String,
        #[arg(long)]
        branch: String,
        #[arg(long, default_value = "1")]
        account_type: String,
        #[arg(long)]
        account_no: String,
        #[arg(long)]
        holder_kana: String,
        #[command(flatten)]
        common: Common,
    },
}

impl AddCmd {
    pub fn common(&self) -> Common {
        match self {
            AddCmd::Join { common, .. }
            | AddCmd::Withdrawal { common, .. }
            | AddCmd::Retirement { common, .. }
            | AddCmd::Transfer { common, .. }
            | AddCmd::PlanChange { common, .. }
            | AddCmd::Update { common, .. }
            | AddCmd::Leave { common, .. }
            | AddCmd::BankTransfer { common, .. } => common.clone(),
        }
    }
}

#[derive(Subcommand)]
pub enum BillCmd {
    /// 請求の表示（--json で CLI.md の形）
    Show {
        #[arg(long)]
        month: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub enum DeductionsCmd {
    /// 控除結果（csv / xlsx）を取り込む
    Import {
        file: PathBuf,
        #[arg(long)]
        month: String,
        #[arg(long, value_enum)]
        mode: ModeArg,
    },
}

#[derive(Subcommand)]
pub enum ReportCmd {
    /// 結果報告（JSON）を書き出す
    Write {
        #[arg(long)]
        month: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// 結果報告を保険会社サーバーへ送る（つながらなければ送信待ちのまま、次にサーバーへ接続したときに送る）
    Submit {
        #[arg(long)]
        month: String,
        /// 送る結果報告の控え（既定: データベースと同じフォルダの reports/）
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// 送信待ち・送信済みの結果報告
    Outbox {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ModeArg {
    Full,
    Exceptions,
}

#[derive(Subcommand)]
pub enum ExportCmd {
    /// 事業所ごとの請求書・個別請求書・控除結果報告書（PDF、A4）と団体全体の1冊
    Invoices {
        #[arg(long)]
        month: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// 給与控除データ（電子媒体）: 既定は cp932・CRLF の csv
    Media {
        #[arg(long)]
        month: String,
        #[arg(long)]
        out: PathBuf,
        /// UTF-8（BOM付き）で書く
        #[arg(long)]
        utf8: bool,
        /// xlsx も書く
        #[arg(long)]
        xlsx: bool,
    },
    /// 全銀協 口座振替依頼データ（120バイト固定長）
    Zengin {
        #[arg(long)]
        month: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// 加入者データ抽出と加入率
    Extract {
        #[arg(long)]
        month: String,
        #[arg(long)]
        out: PathBuf,
        /// csv ではなく xlsx で書く
        #[arg(long)]
        xlsx: bool,
    },
    /// 加入者名簿（xlsx、日本語見出し）
    Roster {
        #[arg(long)]
        month: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// 督促状（PDF）: 未入金一覧のうち、今日が期日の第1回（期日の翌日から）・第2回（第1回の30日後から）
    Reminders {
        /// 宛名・住所を取る月（確定済み）。この団体の未入金すべてが対象
        #[arg(long)]
        month: String,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum DbCmd {
    /// バックアップの一覧（新しいものから。データベースと同じフォルダーの backups/）
    Backups {
        #[arg(long)]
        json: bool,
    },
    /// バックアップから戻す（今のデータベースは before-restore のバックアップとして残す）。
    /// 他のInfoOne（デスクトップ版など）を閉じてから実行する
    Restore {
        /// バックアップの名前（db backups の一覧の名前）
        name: String,
    },
}

#[derive(Subcommand)]
pub enum ServerTokenCmd {
    /// トークンの一覧（トークンそのものは表示しない。番号・団体・有効期限・無効化日時）
    List {
        #[arg(long)]
        json: bool,
    },
    /// トークンを無効にする（実行中のサーバーにも10秒以内に反映。元には戻せない）
    Revoke {
        /// トークン番号（list の番号、発行時の token_id）
        id: i64,
    },
}

#[derive(Subcommand)]
pub enum ServerLedgerCmd {
    /// SQLite の台帳（--from）を空の PostgreSQL（--to）へ1つのトランザクションで複写する。
    /// 移行先は移行（スキーマ作成）してから空であることを確かめ、空でなければ断る。
    /// 連番（受付番号ほか）は複写した番号の先に進め、表ごとに行数と内容のハッシュを照合してから確定する
    Move {
        /// 移行元: `infoone --db PATH server` の SQLite ファイル（読み取りのみ。サーバーは止めておく）
        #[arg(long, value_name = "PATH")]
        from: PathBuf,
        /// 移行先: postgres://ユーザー[:パスワード]@ホスト[:ポート]/データベース
        /// （省略時は環境変数 INFOONE_DATABASE_URL）
        #[arg(long, value_name = "URL")]
        to: Option<String>,
        /// 結果を JSON で出力する
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum UnpaidCmd {
    /// 未入金一覧（期日の古い順、経過日数つき）
    List {
        /// 入金済みの行も表示する
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// 入金済みにする（口座振替以外の方法で入金があったとき）
    Paid {
        /// 未入金一覧の番号
        id: i64,
        /// 入金日（YYYY-MM-DD）
        #[arg(long)]
        date: String,
        /// メモ（入金方法など）
        #[arg(long)]
        note: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum RosterCmd {
    Import {
        file: PathBuf,
        #[arg(long)]
        month: String,
    },
}

#[derive(Subcommand)]
pub enum ZenginCmd {
    /// 銀行からの振替結果ファイルを取り込む
    Result {
        file: PathBuf,
        #[arg(long)]
        month: String,
    },
}

/// `month-end`: the whole month in one go.
#[derive(Args)]
pub struct MonthEndArgs {
    /// 請求パッケージ（JSON）
    #[arg(long)]
    pub package: PathBuf,
    /// 人事データ（xlsx / csv）
    #[arg(long)]
    pub hr: PathBuf,
    /// 控除結果（csv / xlsx）
    #[arg(long)]
    pub deductions: PathBuf,
    #[arg(long, value_enum, default_value_t = ModeArg::Exceptions)]
    pub mode: ModeArg,
    /// 出力先フォルダー
    #[arg(long)]
    pub out: PathBuf,
    /// デモ用の保険会社サーバーをこの場で起動し（HTTPS、OUT/insurer に開発用CA）、請求パッケージを
    /// そこから取得して、結果報告をそこへ送信する（受付番号を表示）
    #[arg(long)]
    pub demo_server: bool,
    #[arg(long)]
    pub json: bool,
}
