//! Pure sizing math: catalogues of valid sizes and prices, and the classification of a
//! service's reservation against what it uses.

pub mod catalog;
pub mod containers;
pub mod ecs;
pub mod evaluate;
mod need;
pub mod optimizer;
pub mod policy;
pub mod recommend;
pub mod redis;
pub mod run;
pub mod trade;
