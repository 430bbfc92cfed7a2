//! The dashboard's window of rows: one page of the token list plus the counts around it, so
//! the window never holds (or is sent) every token.

use chrono::Utc;

use super::Vault;
use crate::error::Result;
use crate::model::{DashboardPage, ListQuery};
use crate::store::tokens;

/// The most rows one page may ask for; a larger `limit` is cut to this.
pub const MAX_PAGE_ROWS: u32 = 500;

/// Weeks on the dashboard's expiry timeline.
pub const TIMELINE_WEEKS: u32 = 12;

impl Vault {
    /// The rows `offset..offset + limit` of the tokens matching `query` (in its order, ties by
    /// name then id), how many match in all, and the summary strip, expiry timeline and scopes
    /// of the whole store. `limit` is capped at [`MAX_PAGE_ROWS`]; an offset past the end gives
    /// no rows and the true total. Reads SQLite only, in one snapshot.
    pub fn dashboard_page(
        &self,
        query: &ListQuery,
        offset: u64,
        limit: u32,
    ) -> Result<DashboardPage> {
        let now = Utc::now();
        let limit = limit.min(MAX_PAGE_ROWS);
        // A read transaction: the rows, the total and the counts come from one snapshot, even
        // while another process writes.
        let tx = self.conn.unchecked_transaction()?;
        let settings = self.settings()?;
        let (warning_days, stale_days) = (settings.expiry_warning_days, settings.stale_days);
        let (rows, total) = tokens::page(&tx, query, offset, limit, now)?;
        let page = DashboardPage {
            rows,
            total,
            offset,
            summary: tokens::summary(&tx, warning_days, stale_days, now)?,
            timeline: tokens::expiry_weeks(&tx, TIMELINE_WEEKS, now)?,
            warning_days,
            stale_days,
            scopes: tokens::live_scopes(&tx)?,
        };
        tx.commit()?;
        Ok(page)
    }
}
